// The data mover shared by all channels: a chunk command (contiguous copy of up to
// CHUNK_BYTES) is split into the three in-order command streams of the read engine, the
// packer, realigner, unpacker and the write engine, which then run decoupled:
//   AXI R -> read FIFO -> packer -> realigner -> unpacker -> write FIFO -> AXI W
// A fixed side (a device FIFO register) moves one element per beat in FIXED bursts; the
// packer and unpacker convert between that and contiguous beats, so the realigner only ever
// sees contiguous data (with the fixed side at lane offset 0).
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
    input  logic [CL_W-1:0]   cmd_len,   // 1 .. CHUNK_BYTES; a multiple of the size if fixed
    input  logic              cmd_fixed_src,
    input  logic              cmd_fixed_dst,
    input  logic [1:0]        cmd_size,  // log2 element bytes of the fixed side
    input  logic [1:0]        cmd_seq,   // the chunk's descriptor (write barrier, per channel)
    input  logic [NUM_CH-1:0] kill,
    output logic              ar_valid,
    input  logic              ar_ready,
    output logic [ADDR_W-1:0] ar_addr,
    output logic [7:0]        ar_len,
    output logic [2:0]        ar_size,
    output logic [1:0]        ar_burst,
    input  logic              r_valid,
    output logic              r_ready,
    input  logic [DATA_W-1:0] r_data,
    input  logic              r_err,
    output logic              aw_valid,
    input  logic              aw_ready,
    output logic [ADDR_W-1:0] aw_addr,
    output logic [7:0]        aw_len,
    output logic [2:0]        aw_size,
    output logic [1:0]        aw_burst,
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
    wire [BW-1:0] s_lane = cmd_src[BW-1:0];
    wire [BW-1:0] d_lane = cmd_dst[BW-1:0];
    wire [BW-1:0] s_off = cmd_fixed_src ? '0 : s_lane;  // as the realigner sees it
    wire [BW-1:0] d_off = cmd_fixed_dst ? '0 : d_lane;
    wire [NB_W-1:0] n_elem = NB_W'(cmd_len >> cmd_size);
    wire [NB_W-1:0] n_rd = NB_W'((32'(s_off) + 32'(cmd_len) + B - 1) >> BW);  // realigner in
    wire [NB_W-1:0] n_wr = NB_W'((32'(d_off) + 32'(cmd_len) + B - 1) >> BW);  // realigner out
    wire [NB_W-1:0] n_ar = cmd_fixed_src ? n_elem : n_rd;  // AXI read beats
    wire [NB_W-1:0] n_aw = cmd_fixed_dst ? n_elem : n_wr;  // AXI write beats
    wire [BW-1:0] shift = s_off - d_off;
    wire [BW-1:0] end_off = BW'(32'(d_off) + 32'(cmd_len) - 1);
    wire [B-1:0] first_strb = {B{1'b1}} << d_off;
    wire [B-1:0] last_strb = {B{1'b1}} >> (BW'(B - 1) - end_off);
    // Realigner carry: a chunk that continues the one dispatched just before it (same channel
    // and descriptor, memory on both sides, contiguous, the seam on a destination beat
    // boundary and inside a source beat) does not read that shared source beat again: the
    // realigner still holds it from the previous chunk, as if it had just primed with it.
    logic              last_valid;
    logic [CW-1:0]     last_ch;
    logic [1:0]        last_seq;
    logic [ADDR_W-1:0] last_src_end, last_dst_end;
    wire carry = last_valid && !cmd_fixed_src && !cmd_fixed_dst && cmd_ch == last_ch
              && cmd_seq == last_seq && cmd_src == last_src_end && cmd_dst == last_dst_end
              && d_lane == '0 && s_lane != '0 && n_rd > NB_W'(1);
    wire [ADDR_W-1:0] src_al = cmd_fixed_src ? cmd_src
                             : {cmd_src[ADDR_W-1:BW], {BW{1'b0}}} + (carry ? ADDR_W'(B) : '0);
    wire [NB_W-1:0] n_ar_c = n_ar - NB_W'(carry);  // AXI read beats, less the carried one
    wire [NB_W-1:0] n_rd_c = n_rd - NB_W'(carry);  // realigner input beats, likewise
    wire [ADDR_W-1:0] dst_al = cmd_fixed_dst ? cmd_dst : {cmd_dst[ADDR_W-1:BW], {BW{1'b0}}};
    wire [2:0] rd_size = cmd_fixed_src ? 3'(cmd_size) : 3'(BW);
    wire [2:0] wr_size = cmd_fixed_dst ? 3'(cmd_size) : 3'(BW);

    logic rc_ready, pc_ready, ac_ready, uc_ready, wc_ready;
    assign cmd_ready = rc_ready && pc_ready && ac_ready && uc_ready && wc_ready;
    wire push = cmd_valid && cmd_ready;

    always_ff @(posedge clk) begin
        if (rst) begin
            last_valid <= 1'b0;
            last_ch <= '0;
            last_seq <= '0;
            last_src_end <= '0;
            last_dst_end <= '0;
        end else begin
            if (push) begin
                last_valid <= !cmd_fixed_src && !cmd_fixed_dst;
                last_ch <= cmd_ch;
                last_seq <= cmd_seq;
                last_src_end <= cmd_src + ADDR_W'(cmd_len);
                last_dst_end <= cmd_dst + ADDR_W'(cmd_len);
            end
            if (kill[last_ch]) last_valid <= 1'b0;  // a stopping channel starts afresh
        end
    end

    logic rc_valid, rc_pop;
    logic [ADDR_W-1:0] rc_addr;
    logic [NB_W-1:0] rc_beats;
    logic rc_fixed;
    logic [2:0] rc_size;
    dma_fifo #(.WIDTH(ADDR_W + NB_W + 4), .DEPTH(4)) u_rcmd (
        .clk, .rst, .in_valid(push), .in_ready(rc_ready),
        .in_data({src_al, n_ar_c, cmd_fixed_src, rd_size}),
        .out_valid(rc_valid), .out_ready(rc_pop), .out_data({rc_addr, rc_beats, rc_fixed, rc_size})
    );

    logic pc_valid, pc_pop, pc_fixed;
    logic [1:0] pc_size;
    logic [BW-1:0] pc_lane;
    logic [NB_W-1:0] pc_count;
    dma_fifo #(.WIDTH(3 + BW + NB_W), .DEPTH(4)) u_pcmd (
        .clk, .rst, .in_valid(push), .in_ready(pc_ready),
        .in_data({cmd_fixed_src, cmd_size, s_lane, n_ar_c}),
        .out_valid(pc_valid), .out_ready(pc_pop), .out_data({pc_fixed, pc_size, pc_lane, pc_count})
    );

    logic uc_valid, uc_pop, uc_fixed;
    logic [1:0] uc_size;
    logic [BW-1:0] uc_lane;
    logic [NB_W-1:0] uc_count;
    dma_fifo #(.WIDTH(3 + BW + NB_W), .DEPTH(4)) u_ucmd (
        .clk, .rst, .in_valid(push), .in_ready(uc_ready),
        .in_data({cmd_fixed_dst, cmd_size, d_lane, n_aw}),
        .out_valid(uc_valid), .out_ready(uc_pop), .out_data({uc_fixed, uc_size, uc_lane, uc_count})
    );

    logic ac_valid, ac_pop, ac_prime, ac_carry;
    logic [BW-1:0] ac_shift;
    logic [NB_W-1:0] ac_nin, ac_nout;
    logic [B-1:0] ac_first, ac_last;
    dma_fifo #(.WIDTH(BW + 2 + 2 * NB_W + 2 * B), .DEPTH(4)) u_acmd (
        .clk, .rst, .in_valid(push), .in_ready(ac_ready),
        .in_data({shift, s_off > d_off && !carry, carry, n_rd_c, n_wr, first_strb, last_strb}),
        .out_valid(ac_valid), .out_ready(ac_pop),
        .out_data({ac_shift, ac_prime, ac_carry, ac_nin, ac_nout, ac_first, ac_last})
    );

    logic wc_valid, wc_pop;
    logic [CW-1:0] wc_ch;
    logic [ADDR_W-1:0] wc_addr;
    logic [NB_W-1:0] wc_beats;
    logic [CL_W-1:0] wc_len;
    logic wc_fixed;
    logic [2:0] wc_size;
    logic [1:0] wc_seq;
    dma_fifo #(.WIDTH(CW + ADDR_W + NB_W + CL_W + 6), .DEPTH(4)) u_wcmd (
        .clk, .rst, .in_valid(push), .in_ready(wc_ready),
        .in_data({cmd_ch, dst_al, n_aw, cmd_len, cmd_fixed_dst, wr_size, cmd_seq}),
        .out_valid(wc_valid), .out_ready(wc_pop),
        .out_data({wc_ch, wc_addr, wc_beats, wc_len, wc_fixed, wc_size, wc_seq})
    );

    // ---- read side -------------------------------------------------------------------------
    logic rf_valid, rf_pop, rf_err;
    logic [DATA_W-1:0] rf_data;

    dma_rd_engine #(
        .ADDR_W(ADDR_W), .DATA_W(DATA_W), .NB_W(NB_W), .MAX_BURST(MAX_BURST),
        .FIFO_DEPTH(FIFO_DEPTH)
    ) u_rd (
        .clk, .rst, .cmd_valid(rc_valid), .cmd_ready(rc_pop), .cmd_addr(rc_addr),
        .cmd_beats(rc_beats), .cmd_fixed(rc_fixed), .cmd_size(rc_size),
        .ar_valid, .ar_ready, .ar_addr, .ar_len, .ar_size, .ar_burst,
        .beat_popped(rf_valid && rf_pop)
    );

    // space for every beat in flight was reserved when its burst was issued
    dma_fifo #(.WIDTH(1 + DATA_W), .DEPTH(FIFO_DEPTH)) u_rfifo (
        .clk, .rst, .in_valid(r_valid), .in_ready(r_ready), .in_data({r_err, r_data}),
        .out_valid(rf_valid), .out_ready(rf_pop), .out_data({rf_err, rf_data})
    );

    // ---- pack, realign, unpack ----------------------------------------------------------------
    logic pk_valid, pk_ready, pk_err;
    logic [DATA_W-1:0] pk_data;

    dma_pack #(.DATA_W(DATA_W), .NB_W(NB_W)) u_pack (
        .clk, .rst, .cmd_valid(pc_valid), .cmd_ready(pc_pop), .cmd_fixed(pc_fixed),
        .cmd_size(pc_size), .cmd_lane(pc_lane), .cmd_count(pc_count),
        .in_valid(rf_valid), .in_ready(rf_pop), .in_data(rf_data), .in_err(rf_err),
        .out_valid(pk_valid), .out_ready(pk_ready), .out_data(pk_data), .out_err(pk_err)
    );

    logic al_valid, al_ready, al_err;
    logic [DATA_W-1:0] al_data;
    logic [B-1:0] al_strb;

    dma_realign #(.DATA_W(DATA_W), .NB_W(NB_W)) u_align (
        .clk, .rst, .cmd_valid(ac_valid), .cmd_ready(ac_pop), .cmd_shift(ac_shift),
        .cmd_prime(ac_prime), .cmd_carry(ac_carry), .cmd_nin(ac_nin), .cmd_nout(ac_nout),
        .cmd_first_strb(ac_first), .cmd_last_strb(ac_last),
        .in_valid(pk_valid), .in_ready(pk_ready), .in_data(pk_data), .in_err(pk_err),
        .out_valid(al_valid), .out_ready(al_ready), .out_data(al_data), .out_strb(al_strb),
        .out_err(al_err)
    );

    logic up_valid, wf_ready, up_err;
    logic [DATA_W-1:0] up_data;
    logic [B-1:0] up_strb;

    dma_unpack #(.DATA_W(DATA_W), .NB_W(NB_W)) u_unpack (
        .clk, .rst, .cmd_valid(uc_valid), .cmd_ready(uc_pop), .cmd_fixed(uc_fixed),
        .cmd_size(uc_size), .cmd_lane(uc_lane), .cmd_count(uc_count),
        .in_valid(al_valid), .in_ready(al_ready), .in_data(al_data), .in_strb(al_strb),
        .in_err(al_err),
        .out_valid(up_valid), .out_ready(wf_ready), .out_data(up_data), .out_strb(up_strb),
        .out_err(up_err)
    );

    // ---- write side ------------------------------------------------------------------------
    logic wf_valid, wf_pop, wf_err;
    logic [DATA_W-1:0] wf_data;
    logic [B-1:0] wf_strb;

    dma_fifo #(.WIDTH(1 + B + DATA_W), .DEPTH(FIFO_DEPTH)) u_wfifo (
        .clk, .rst, .in_valid(up_valid), .in_ready(wf_ready),
        .in_data({up_err, up_strb, up_data}),
        .out_valid(wf_valid), .out_ready(wf_pop), .out_data({wf_err, wf_strb, wf_data})
    );

    dma_wr_engine #(
        .NUM_CH(NUM_CH), .ADDR_W(ADDR_W), .DATA_W(DATA_W), .NB_W(NB_W), .CL_W(CL_W),
        .MAX_BURST(MAX_BURST), .FIFO_DEPTH(FIFO_DEPTH), .MAX_OUTSTANDING(MAX_OUTSTANDING)
    ) u_wr (
        .clk, .rst, .cmd_valid(wc_valid), .cmd_ready(wc_pop), .cmd_ch(wc_ch),
        .cmd_addr(wc_addr), .cmd_beats(wc_beats), .cmd_fixed(wc_fixed), .cmd_size(wc_size),
        .cmd_len(wc_len), .cmd_seq(wc_seq), .kill,
        .beat_pushed(up_valid && wf_ready),
        .fifo_valid(wf_valid), .fifo_pop(wf_pop), .fifo_data(wf_data), .fifo_strb(wf_strb),
        .fifo_err(wf_err),
        .aw_valid, .aw_ready, .aw_addr, .aw_len, .aw_size, .aw_burst, .w_valid, .w_ready, .w_data, .w_strb, .w_last,
        .b_valid, .b_ready, .b_err, .done_valid, .done_ch, .done_err, .done_bytes
    );
endmodule
