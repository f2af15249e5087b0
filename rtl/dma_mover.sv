// The data mover shared by all channels: a chunk command (contiguous copy of up to
// CHUNK_BYTES) is split into the three in-order command streams of the read engine, the
// realigner and the write engine, which then run decoupled through two FIFOs:
//   AXI R -> read FIFO -> realigner -> write FIFO -> AXI W
module dma_mover #(
    parameter int NUM_CH = 4,
    parameter int ADDR_W = 32,
    parameter int DATA_W = 64,
    parameter int CL_W = 13,
    parameter int MAX_BURST = 64,
    parameter int FIFO_DEPTH = 128,
    parameter int MAX_OUTSTANDING = 8,
    localparam int B = DATA_W / 8,
    localparam int BW = $clog2(B),
    localparam int CW = (NUM_CH > 1) ? $clog2(NUM_CH) : 1,
    localparam int NB_W = CL_W + 1
) (
    input  logic              clk,
    input  logic              rst,
    input  logic              cmd_valid,
    output logic              cmd_ready,
    input  logic [CW-1:0]     cmd_ch,
    input  logic [ADDR_W-1:0] cmd_src,
    input  logic [ADDR_W-1:0] cmd_dst,
    input  logic [CL_W-1:0]   cmd_len,   // 1 .. CHUNK_BYTES
    output logic              ar_valid,
    input  logic              ar_ready,
    output logic [ADDR_W-1:0] ar_addr,
    output logic [7:0]        ar_len,
    input  logic              r_valid,
    output logic              r_ready,
    input  logic [DATA_W-1:0] r_data,
    input  logic              r_err,
    output logic              aw_valid,
    input  logic              aw_ready,
    output logic [ADDR_W-1:0] aw_addr,
    output logic [7:0]        aw_len,
    output logic              w_valid,
    input  logic              w_ready,
    output logic [DATA_W-1:0] w_data,
    output logic [B-1:0]      w_strb,
    output logic              w_last,
    input  logic              b_valid,
    output logic              b_ready,
    input  logic              b_err,
    output logic              done_valid,
    output logic [CW-1:0]     done_ch,
    output logic [3:0]        done_err,
    output logic [CL_W-1:0]   done_bytes
);
    // ---- dispatch: derive each engine's view of the chunk ----------------------------------
    wire [BW-1:0] s_off = cmd_src[BW-1:0];
    wire [BW-1:0] d_off = cmd_dst[BW-1:0];
    wire [NB_W-1:0] n_rd = NB_W'((32'(s_off) + 32'(cmd_len) + B - 1) >> BW);
    wire [NB_W-1:0] n_wr = NB_W'((32'(d_off) + 32'(cmd_len) + B - 1) >> BW);
    wire [BW-1:0] shift = s_off - d_off;
    wire [BW-1:0] end_off = BW'(32'(d_off) + 32'(cmd_len) - 1);
    wire [B-1:0] first_strb = {B{1'b1}} << d_off;
    wire [B-1:0] last_strb = {B{1'b1}} >> (BW'(B - 1) - end_off);
    wire [ADDR_W-1:0] src_al = {cmd_src[ADDR_W-1:BW], {BW{1'b0}}};
    wire [ADDR_W-1:0] dst_al = {cmd_dst[ADDR_W-1:BW], {BW{1'b0}}};

    logic rc_ready, ac_ready, wc_ready;
    assign cmd_ready = rc_ready && ac_ready && wc_ready;
    wire push = cmd_valid && cmd_ready;

    logic rc_valid, rc_pop;
    logic [ADDR_W-1:0] rc_addr;
    logic [NB_W-1:0] rc_beats;
    dma_fifo #(.WIDTH(ADDR_W + NB_W), .DEPTH(4)) u_rcmd (
        .clk, .rst, .in_valid(push), .in_ready(rc_ready), .in_data({src_al, n_rd}),
        .out_valid(rc_valid), .out_ready(rc_pop), .out_data({rc_addr, rc_beats})
    );

    logic ac_valid, ac_pop, ac_prime;
    logic [BW-1:0] ac_shift;
    logic [NB_W-1:0] ac_nin, ac_nout;
    logic [B-1:0] ac_first, ac_last;
    dma_fifo #(.WIDTH(BW + 1 + 2 * NB_W + 2 * B), .DEPTH(4)) u_acmd (
        .clk, .rst, .in_valid(push), .in_ready(ac_ready),
        .in_data({shift, s_off > d_off, n_rd, n_wr, first_strb, last_strb}),
        .out_valid(ac_valid), .out_ready(ac_pop),
        .out_data({ac_shift, ac_prime, ac_nin, ac_nout, ac_first, ac_last})
    );

    logic wc_valid, wc_pop;
    logic [CW-1:0] wc_ch;
    logic [ADDR_W-1:0] wc_addr;
    logic [NB_W-1:0] wc_beats;
    logic [CL_W-1:0] wc_len;
    dma_fifo #(.WIDTH(CW + ADDR_W + NB_W + CL_W), .DEPTH(4)) u_wcmd (
        .clk, .rst, .in_valid(push), .in_ready(wc_ready),
        .in_data({cmd_ch, dst_al, n_wr, cmd_len}),
        .out_valid(wc_valid), .out_ready(wc_pop),
        .out_data({wc_ch, wc_addr, wc_beats, wc_len})
    );

    // ---- read side -------------------------------------------------------------------------
    logic rf_valid, rf_pop, rf_err;
    logic [DATA_W-1:0] rf_data;

    dma_rd_engine #(
        .ADDR_W(ADDR_W), .DATA_W(DATA_W), .NB_W(NB_W), .MAX_BURST(MAX_BURST),
        .FIFO_DEPTH(FIFO_DEPTH)
    ) u_rd (
        .clk, .rst, .cmd_valid(rc_valid), .cmd_ready(rc_pop), .cmd_addr(rc_addr),
        .cmd_beats(rc_beats), .ar_valid, .ar_ready, .ar_addr, .ar_len,
        .beat_popped(rf_valid && rf_pop)
    );

    // space for every beat in flight was reserved when its burst was issued
    dma_fifo #(.WIDTH(1 + DATA_W), .DEPTH(FIFO_DEPTH)) u_rfifo (
        .clk, .rst, .in_valid(r_valid), .in_ready(r_ready), .in_data({r_err, r_data}),
        .out_valid(rf_valid), .out_ready(rf_pop), .out_data({rf_err, rf_data})
    );

    // ---- realign ---------------------------------------------------------------------------
    logic al_valid, wf_ready, al_err;
    logic [DATA_W-1:0] al_data;
    logic [B-1:0] al_strb;

    dma_realign #(.DATA_W(DATA_W), .NB_W(NB_W)) u_align (
        .clk, .rst, .cmd_valid(ac_valid), .cmd_ready(ac_pop), .cmd_shift(ac_shift),
        .cmd_prime(ac_prime), .cmd_nin(ac_nin), .cmd_nout(ac_nout),
        .cmd_first_strb(ac_first), .cmd_last_strb(ac_last),
        .in_valid(rf_valid), .in_ready(rf_pop), .in_data(rf_data), .in_err(rf_err),
        .out_valid(al_valid), .out_ready(wf_ready), .out_data(al_data), .out_strb(al_strb),
        .out_err(al_err)
    );

    // ---- write side ------------------------------------------------------------------------
    logic wf_valid, wf_pop, wf_err;
    logic [DATA_W-1:0] wf_data;
    logic [B-1:0] wf_strb;

    dma_fifo #(.WIDTH(1 + B + DATA_W), .DEPTH(FIFO_DEPTH)) u_wfifo (
        .clk, .rst, .in_valid(al_valid), .in_ready(wf_ready),
        .in_data({al_err, al_strb, al_data}),
        .out_valid(wf_valid), .out_ready(wf_pop), .out_data({wf_err, wf_strb, wf_data})
    );

    dma_wr_engine #(
        .NUM_CH(NUM_CH), .ADDR_W(ADDR_W), .DATA_W(DATA_W), .NB_W(NB_W), .CL_W(CL_W),
        .MAX_BURST(MAX_BURST), .FIFO_DEPTH(FIFO_DEPTH), .MAX_OUTSTANDING(MAX_OUTSTANDING)
    ) u_wr (
        .clk, .rst, .cmd_valid(wc_valid), .cmd_ready(wc_pop), .cmd_ch(wc_ch),
        .cmd_addr(wc_addr), .cmd_beats(wc_beats), .cmd_len(wc_len),
        .beat_pushed(al_valid && wf_ready),
        .fifo_valid(wf_valid), .fifo_pop(wf_pop), .fifo_data(wf_data), .fifo_strb(wf_strb),
        .fifo_err(wf_err),
        .aw_valid, .aw_ready, .aw_addr, .aw_len, .w_valid, .w_ready, .w_data, .w_strb, .w_last,
        .b_valid, .b_ready, .b_err, .done_valid, .done_ch, .done_err, .done_bytes
    );
endmodule
