// Shared status write-back engine: writes a channel's 64-bit status word (STATUS and
// XFERRED) into its descriptor in one AXI burst and reports the write response. Each
// channel's port is a request (valid and its payload, req_t: the address and the word)
// and a response (desc_wb_rsp_t: grant, done, error). The address is a status word's,
// DESC_STATUS_OFF into a DESC_ALIGN-aligned descriptor, so its byte lane is a constant.
module dma_desc_wb
    import pydma_layout_pkg::*;
    import dma_types_pkg::*;
#(
    parameter type ax_t = logic,   // AW and W payloads (pydma_dmac)
    parameter type w_t = logic,
    parameter type req_t = logic,  // a channel's write-back request (pydma_dmac)
    parameter int NUM_CH = 4,
    parameter int ADDR_W = 32,
    parameter int DATA_W = 64,
    localparam int CW = (NUM_CH > 1) ? $clog2(NUM_CH) : 1,
    localparam int STRB_W = DATA_W / 8
) (
    input  logic                     clk,
    input  logic                     rst,
    input  logic [NUM_CH-1:0]        req_valid,
    input  req_t                     req [NUM_CH],  // where, and STATUS and XFERRED
    output desc_wb_rsp_t             rsp [NUM_CH],
    output logic                     aw_valid,
    input  logic                     aw_ready,
    output ax_t                      aw,
    output logic                     w_valid,
    input  logic                     w_ready,
    output w_t                       w,
    input  logic                     b_valid,
    output logic                     b_ready,
    input  logic                     b_err
);
    localparam int BEATS = (DATA_W >= 64) ? 1 : 64 / DATA_W;
    localparam int LANE = DESC_STATUS_OFF % STRB_W;  // the status word's byte lane

    if (DESC_ALIGN % STRB_W != 0) begin : g_bad_lane
        $error("the status word's lane is a constant only for a bus no wider than DESC_ALIGN");
    end

    typedef enum logic [1:0] {S_IDLE, S_AW, S_W, S_B} state_t;
    state_t state;
    logic [CW-1:0] ch;
    logic [63:0] data;
    logic [$clog2(BEATS+1)-1:0] beat;
    logic arb_valid;
    logic [CW-1:0] arb_idx;
    logic [NUM_CH-1:0] gnt, done;
    logic err;

    dma_rr_arb #(.N(NUM_CH)) u_arb (
        .clk, .rst, .req(req_valid), .ready(state == S_IDLE), .lock(1'b0), .gnt_idx(arb_idx)
    );
    assign arb_valid = req_valid[arb_idx];

    always_comb begin
        gnt = '0;
        if (state == S_IDLE && arb_valid) gnt[arb_idx] = 1'b1;
    end
    for (genvar c = 0; c < NUM_CH; c++) begin : g_rsp
        assign rsp[c] = '{gnt: gnt[c], done: done[c], err: err};
    end

    logic [ADDR_W-1:0] aw_addr;
    logic [DATA_W-1:0] w_data;
    logic [STRB_W-1:0] w_strb;
    wire w_last = 32'(beat) == BEATS - 1;
    assign aw_valid = state == S_AW;
    // one full-width INCR burst
    assign aw = '{addr: aw_addr, len: axi_len_t'(BEATS - 1), size: axi_size_t'($clog2(STRB_W)),
                  burst: AXI_BURST_INCR};
    assign w_valid  = state == S_W;
    assign w = '{data: w_data, strb: w_strb, last: w_last};
    assign b_ready  = state == S_B;

    // A narrow bus sends the word in 32-bit halves; a wide one places it at its byte lane.
    if (DATA_W >= 64) begin : g_wide
        assign w_data = DATA_W'(data) << (8 * LANE);
        assign w_strb = STRB_W'(8'hFF) << LANE;
    end else begin : g_narrow
        assign w_data = data[beat*DATA_W +: DATA_W];
        assign w_strb = '1;
    end

    always_ff @(posedge clk) begin
        done <= '0;
        if (rst) begin
            state <= S_IDLE;
            ch <= '0;
            data <= '0;
            beat <= '0;
            err <= 1'b0;
            aw_addr <= '0;
        end else begin
            unique case (state)
                S_IDLE: if (arb_valid) begin
                    ch <= arb_idx;
                    aw_addr <= req[arb_idx].addr;
                    data <= req[arb_idx].data;
                    beat <= '0;
                    state <= S_AW;
                end
                S_AW: if (aw_ready) state <= S_W;
                S_W: if (w_ready) begin
                    beat <= beat + 1'b1;
                    if (w_last) state <= S_B;
                end
                S_B: if (b_valid) begin
                    err <= b_err;
                    done[ch] <= 1'b1;
                    state <= S_IDLE;
                end
                default: state <= S_IDLE;
            endcase
        end
    end
endmodule
