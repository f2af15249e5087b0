// Shared descriptor fetch engine: grants one channel at a time (round robin), reads the
// first DESC_FETCH_BYTES of its descriptor in one AXI burst and hands the words back.
// Each channel's port is a request (valid and its payload, req_t: the address) and a
// response (desc_fetch_rsp_t: grant, done, error); the words (desc) go to every channel.
module dma_desc_fetch
    import pydma_layout_pkg::*;
    import dma_types_pkg::*;
#(
    parameter type ax_t = logic,   // AR and R payloads (pydma_dmac)
    parameter type r_t = logic,
    parameter type req_t = logic,  // a channel's fetch request (pydma_dmac: its address)
    parameter int NUM_CH = 4,
    parameter int ADDR_W = 32,
    parameter int DATA_W = 64,
    localparam int CW = (NUM_CH > 1) ? $clog2(NUM_CH) : 1
) (
    input  logic                     clk,
    input  logic                     rst,
    input  logic [NUM_CH-1:0]        req_valid,
    input  req_t                     req [NUM_CH],
    output desc_fetch_rsp_t          rsp [NUM_CH],
    output desc_words_t              desc,
    output desc_flags_t              flags,  // desc's wide tests (when it is a descriptor)
    // AXI read address / data (ID is added by the mux)
    output logic                     ar_valid,
    input  logic                     ar_ready,
    output ax_t                      ar,
    input  logic                     r_valid,
    output logic                     r_ready,
    input  r_t                       r
);
    localparam int BEATS = (DESC_FETCH_BYTES * 8) / DATA_W;

    typedef enum logic [1:0] {S_IDLE, S_AR, S_R} state_t;
    state_t state;
    logic [CW-1:0] ch;
    logic [$clog2(BEATS+1)-1:0] beat;
    logic arb_valid;
    logic [CW-1:0] arb_idx;
    logic [NUM_CH-1:0] gnt, done;
    logic err;

    dma_rr_arb #(.N(NUM_CH)) u_arb (
        .clk, .rst, .req(req_valid), .ready(state == S_IDLE), .lock(1'b0), .gnt_idx(arb_idx)
    );
    assign arb_valid = req_valid[arb_idx];

    logic [ADDR_W-1:0] ar_addr;
    assign ar_valid = state == S_AR;
    // one full-width INCR burst
    assign ar = '{addr: ar_addr, len: axi_len_t'(BEATS - 1), size: axi_size_t'($clog2(DATA_W / 8)),
                  burst: AXI_BURST_INCR};
    assign r_ready  = state == S_R;

    always_comb begin
        gnt = '0;
        if (state == S_IDLE && arb_valid) gnt[arb_idx] = 1'b1;
    end
    for (genvar c = 0; c < NUM_CH; c++) begin : g_rsp
        assign rsp[c] = '{gnt: gnt[c], done: done[c], err: err};
    end

    // the words as they will be after this beat, and their tests, registered with them
    desc_words_t desc_nx;
    always_comb begin
        desc_nx = desc;
        desc_nx[beat*DATA_W +: DATA_W] = r.data;
    end
    wire [63:0] nx_src = desc_nx[DESC_SRC_OFF*8 +: 64];
    wire [63:0] nx_dst = desc_nx[DESC_DST_OFF*8 +: 64];
    wire [31:0] nx_len = desc_nx[DESC_LEN_OFF*8 +: 32];
    wire [31:0] nx_ctrl = desc_nx[DESC_CTRL_OFF*8 +: 32];
    wire unused_nx = ^desc_nx[DESC_SRC_OFF*8-1:0];  // NEXT: no test
    function automatic logic wide(input logic [63:0] a);  // beyond ADDR_W
        return ADDR_W < 64 && (a >> ADDR_W) != 64'd0;
    endfunction

    always_ff @(posedge clk) begin
        done <= '0;
        if (rst) begin
            state <= S_IDLE;
            ch <= '0;
            beat <= '0;
            err <= 1'b0;
            ar_addr <= '0;
            desc <= '0;
            flags <= '0;
        end else begin
            unique case (state)
                S_IDLE: if (arb_valid) begin
                    ch <= arb_idx;
                    ar_addr <= req[arb_idx].addr;
                    beat <= '0;
                    err <= 1'b0;
                    state <= S_AR;
                end
                S_AR: if (ar_ready) state <= S_R;
                S_R: if (r_valid) begin
                    desc[beat*DATA_W +: DATA_W] <= r.data;
                    flags <= '{len_zero: nx_len == 0, src_zero: nx_src == 0, src_lo6: nx_src[5:0] != 0,
                               src_hi8: nx_src[63:8] != 0, src_wide: wide(nx_src),
                               dst_zero: nx_dst == 0, dst_wide: wide(nx_dst),
                               ctrl_bad: (nx_ctrl & ~DCTRL_VALID_MASK) != 0};
                    beat <= beat + 1'b1;
                    if (r.err) err <= 1'b1;
                    if (r.last) begin
                        done[ch] <= 1'b1;
                        state <= S_IDLE;
                    end
                end
                default: state <= S_IDLE;
            endcase
        end
    end
endmodule
