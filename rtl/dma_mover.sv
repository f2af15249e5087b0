// The data mover shared by all channels: a chunk command (contiguous copy of up to
// CHUNK_BYTES) is split into the three in-order command streams of the read engine, the
// packer, realigner, unpacker and the write engine, which then run decoupled:
//   AXI R -> read FIFO -> packer -> realigner -> unpacker -> write FIFO -> AXI W
// A fixed side (a device FIFO register) moves one element per beat in FIXED bursts; the
// packer and unpacker convert between that and contiguous beats, so the realigner only ever
// sees contiguous data (with the fixed side at lane offset 0).
//
// A command is one pass (cmd.kind, docs/raid-operations.md) and goes only to the engines it
// uses: COPY to all of them; ACC (a source of a multi-source group) to the read side, the
// realigner and the unpacker, into the accumulator; FILL, EMIT_P and EMIT_Q to the output
// stage and the write engine; CHECK to the output stage and the write engine as a one-beat
// burst that never reaches the bus, so that it completes in order with the writes. The
// output stage (dma_acc, between the unpacker and the write FIFO) exists when the instance
// has FILL or an accumulator (HAS_ACC); a copy goes through it without a register.
module dma_mover
    import dma_types_pkg::*;
#(
    parameter type cmd_t = logic,   // chunk command, ax_t AR/AW, w_t W, r_t R payloads and
    parameter type done_t = logic,  // done_t chunk completion (pydma_dmac)
    parameter type ax_t = logic,
    parameter type w_t = logic,
    parameter type r_t = logic,
    parameter int NUM_CH = 4,
    parameter int ADDR_W = 32,
    parameter int DATA_W = 64,
    parameter int CL_W = 13,
    parameter int MAX_BURST = 64,
    parameter int FIFO_DEPTH = 128,
    parameter int MAX_OUTSTANDING = 8,
    parameter bit HAS_ACC = 1'b0,      // XOR/PQ accumulator (ACC_BYTES of P and of Q)
    parameter bit HAS_FILL = 1'b0,     // MEMSET
    parameter int ACC_BYTES = 4096,
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
    input  cmd_t              cmd,  // the granted channel's; len 1 .. CHUNK_BYTES, a multiple of size if fixed
    input  logic [NUM_CH-1:0] kill,
    output logic              ar_valid,
    input  logic              ar_ready,
    output ax_t               ar,
    input  logic              r_valid,
    output logic              r_ready,
    input  r_t                r,
    output logic              aw_valid,
    input  logic              aw_ready,
    output ax_t               aw,
    output logic              w_valid,
    input  logic              w_ready,
    output w_t                w,
    input  logic              b_valid,
    output logic              b_ready,
    input  logic              b_err,
    output logic              done_valid,
    output logic [CW-1:0]     done_ch,
    output done_t             done
);
    // ---- dispatch: the granted command into the engines' command FIFOs, as it is ---------
    // The FIFOs take the command's own fields; each engine's view of it (beat counts, the
    // aligned addresses, shift and strobes) is worked out from the FIFO's head as the engine
    // takes it into its registers. So no arithmetic lies between the channels (and the
    // arbiter) and the FIFOs but the carry test, which depends on the order of dispatch.
    wire cmd_t sel = cmd;
    wire pass_kind_t kind = sel.kind;
    wire to_rd = kind == PASS_COPY || kind == PASS_ACC;   // read, pack, realign, unpack
    wire to_wr = kind != PASS_ACC;                        // the write engine
    wire is_copy = kind == PASS_COPY;
    wire is_check = kind == PASS_CHECK;
    wire [BW-1:0] s_lane = sel.src[BW-1:0];
    wire [BW-1:0] d_lane = sel.dst[BW-1:0];
    // Realigner carry: a chunk that continues the one dispatched just before it (same
    // channel and descriptor, memory on both sides, contiguous, the seam on a destination
    // beat boundary and inside a source beat, more than one source beat) does not read that
    // shared source beat again: the realigner still holds it from the previous chunk, as if
    // it had just primed with it. (Contiguous and same descriptor: cont, from the channel;
    // the previous chunk: last_valid and last_ch, below.)
    logic              last_valid;
    logic [CW-1:0]     last_ch;
    // more than one source beat (s_lane + len > B), without an adder on the command's path:
    // two or more whole beats, or one and anything more, or a part beat over the lane's rest
    wire [CL_W-1:0] len_beats = sel.len >> BW;
    wire [BW-1:0] len_part = sel.len[BW-1:0];
    wire many_rd = len_beats > 1 || (len_beats == 1 && (len_part != '0 || s_lane != '0))
                || (len_beats == 0 && (BW + 1)'(len_part) + (BW + 1)'(s_lane) > (BW + 1)'(B));
    wire carry = is_copy && !sel.fixed_src && !sel.fixed_dst && sel.cont && d_lane == '0
              && s_lane != '0 && many_rd && last_valid && cmd_ch == last_ch;
    logic rc_ready, pc_ready, ac_ready, uc_ready, wc_ready;
    logic xc_ready;
    assign cmd_ready = rc_ready && pc_ready && ac_ready && uc_ready && wc_ready && xc_ready;
    wire push = cmd_valid && cmd_ready;
    wire push_rd = push && to_rd;
    wire push_wr = push && to_wr;
    wire unused_r_last = r.last;  // bursts are counted: the engines know where they end
    wire unused_more = sel.more;  // (the arbiter's: a group comes whole)

    always_ff @(posedge clk) begin
        if (rst) begin
            last_valid <= 1'b0;
            last_ch <= '0;
        end else begin
            if (push) begin
                last_valid <= is_copy && !sel.fixed_src && !sel.fixed_dst;
                last_ch <= cmd_ch;
            end
            if (kill[last_ch]) last_valid <= 1'b0;  // a stopping channel starts afresh
        end
    end

    // an engine's view of a chunk, from the fields in its command FIFO
    function automatic logic [NB_W-1:0] beats(input logic [BW-1:0] off, input logic [CL_W-1:0] len);
        return NB_W'((32'(off) + 32'(len) + B - 1) >> BW);  // bus beats of len bytes from lane off
    endfunction
    function automatic logic [NB_W-1:0] elems(input logic [CL_W-1:0] len, input elem_size_t size);
        return NB_W'(len >> size);  // elements of a fixed side, one a beat
    endfunction
    // AXI read beats (and the packer's input beats): one less if carried
    function automatic logic [NB_W-1:0] rd_beats(input logic fixed, input elem_size_t size,
                                                 input logic [BW-1:0] lane, input logic [CL_W-1:0] len,
                                                 input logic carried);
        return fixed ? elems(len, size) : beats(lane, len) - NB_W'(carried);
    endfunction
    function automatic logic [ADDR_W-1:0] beat_addr(input logic [ADDR_W-1:0] a);
        return a & ~ADDR_W'(B - 1);  // its bus beat
    endfunction

    // read engine: the first source beat (the one after it if carried; a fixed side as is)
    logic rc_valid, rc_pop, rc_fixed, rc_carry;
    logic [ADDR_W-1:0] rc_src;
    logic [CL_W-1:0] rc_len;
    elem_size_t rc_size;
    dma_fifo #(.WIDTH(ADDR_W + CL_W + 4), .DEPTH(4)) u_rcmd (
        .clk, .rst, .in_valid(push_rd), .in_ready(rc_ready),
        .in_data({sel.src, sel.len, sel.fixed_src, sel.size, carry}),
        .out_valid(rc_valid), .out_ready(rc_pop), .out_data({rc_src, rc_len, rc_fixed, rc_size, rc_carry})
    );
    wire [ADDR_W-1:0] rc_addr = rc_fixed ? rc_src
                              : rc_carry ? beat_addr(rc_src) + ADDR_W'(B) : beat_addr(rc_src);
    wire [NB_W-1:0] rc_beats = rd_beats(rc_fixed, rc_size, rc_src[BW-1:0], rc_len, rc_carry);
    wire axi_size_t rd_size = rc_fixed ? axi_size_t'(rc_size) : axi_size_t'(BW);

    logic pc_valid, pc_pop, pc_fixed, pc_carry;
    elem_size_t pc_size;
    logic [BW-1:0] pc_lane;
    logic [CL_W-1:0] pc_len;
    dma_fifo #(.WIDTH(4 + BW + CL_W), .DEPTH(4)) u_pcmd (
        .clk, .rst, .in_valid(push_rd), .in_ready(pc_ready),
        .in_data({sel.fixed_src, sel.size, s_lane, sel.len, carry}),
        .out_valid(pc_valid), .out_ready(pc_pop), .out_data({pc_fixed, pc_size, pc_lane, pc_len, pc_carry})
    );
    wire [NB_W-1:0] pc_count = rd_beats(pc_fixed, pc_size, pc_lane, pc_len, pc_carry);

    logic uc_valid, uc_pop, uc_fixed;
    elem_size_t uc_size;
    logic [BW-1:0] uc_lane;
    logic [CL_W-1:0] uc_len;
    dma_fifo #(.WIDTH(3 + BW + CL_W), .DEPTH(4)) u_ucmd (
        .clk, .rst, .in_valid(push_rd), .in_ready(uc_ready),
        .in_data({sel.fixed_dst, sel.size, d_lane, sel.len}),
        .out_valid(uc_valid), .out_ready(uc_pop), .out_data({uc_fixed, uc_size, uc_lane, uc_len})
    );
    wire [NB_W-1:0] uc_count = uc_fixed ? elems(uc_len, uc_size) : beats(uc_lane, uc_len);

    // realigner: lanes as it sees them (a fixed side at lane 0)
    logic ac_valid, ac_pop, ac_carry;
    logic [BW-1:0] ac_soff, ac_doff;
    logic [CL_W-1:0] ac_len;
    dma_fifo #(.WIDTH(2 * BW + 1 + CL_W), .DEPTH(4)) u_acmd (
        .clk, .rst, .in_valid(push_rd), .in_ready(ac_ready),
        .in_data({sel.fixed_src ? '0 : s_lane, sel.fixed_dst ? '0 : d_lane, carry, sel.len}),
        .out_valid(ac_valid), .out_ready(ac_pop), .out_data({ac_soff, ac_doff, ac_carry, ac_len})
    );
    wire [BW-1:0] ac_shift = ac_soff - ac_doff;
    wire ac_prime = ac_soff > ac_doff && !ac_carry;
    wire [NB_W-1:0] ac_nin = beats(ac_soff, ac_len) - NB_W'(ac_carry);
    wire [NB_W-1:0] ac_nout = beats(ac_doff, ac_len);
    wire [BW-1:0] ac_end = BW'(32'(ac_doff) + 32'(ac_len) - 1);
    wire [B-1:0] ac_first = {B{1'b1}} << ac_doff;
    wire [B-1:0] ac_last = {B{1'b1}} >> (BW'(B - 1) - ac_end);

    // write engine: a CHECK is one beat (the output stage's verdict) that never reaches the
    // bus; a pass whose bytes do not count (the second output of a group) completes with 0
    logic wc_valid, wc_pop, wc_fixed, wc_nop, wc_tally;
    logic [CW-1:0] wc_ch;
    logic [ADDR_W-1:0] wc_dst;
    logic [CL_W-1:0] wc_l;
    elem_size_t wc_esize;
    desc_seq_t wc_seq;
    dma_fifo #(.WIDTH(CW + ADDR_W + CL_W + 5 + $bits(desc_seq_t)), .DEPTH(4)) u_wcmd (
        .clk, .rst, .in_valid(push_wr), .in_ready(wc_ready),
        .in_data({cmd_ch, sel.dst, sel.len, sel.tally, sel.fixed_dst, sel.size, sel.seq, is_check}),
        .out_valid(wc_valid), .out_ready(wc_pop),
        .out_data({wc_ch, wc_dst, wc_l, wc_tally, wc_fixed, wc_esize, wc_seq, wc_nop})
    );
    wire [ADDR_W-1:0] wc_addr = wc_fixed ? wc_dst : beat_addr(wc_dst);
    wire [NB_W-1:0] wc_beats = wc_nop ? NB_W'(1)
                             : wc_fixed ? elems(wc_l, wc_esize) : beats(wc_dst[BW-1:0], wc_l);
    wire [CL_W-1:0] wc_len = wc_tally ? wc_l : '0;
    wire axi_size_t wc_size = wc_fixed ? axi_size_t'(wc_esize) : axi_size_t'(BW);

    // ---- read side -------------------------------------------------------------------------
    logic rf_valid, rf_pop, rf_err;
    logic [DATA_W-1:0] rf_data;

    dma_rd_engine #(
        .ax_t(ax_t), .ADDR_W(ADDR_W), .DATA_W(DATA_W), .NB_W(NB_W), .MAX_BURST(MAX_BURST),
        .FIFO_DEPTH(FIFO_DEPTH)
    ) u_rd (
        .clk, .rst, .cmd_valid(rc_valid), .cmd_ready(rc_pop), .cmd_addr(rc_addr),
        .cmd_beats(rc_beats), .cmd_fixed(rc_fixed), .cmd_size(rd_size),
        .ar_valid, .ar_ready, .ar,
        .beat_popped(rf_valid && rf_pop)
    );

    // space for every beat in flight was reserved when its burst was issued; the head in
    // registers: the block RAM's slow output is not on the way to the realigner
    dma_fifo_reg #(.WIDTH(1 + DATA_W), .DEPTH(FIFO_DEPTH)) u_rfifo (
        .clk, .rst, .in_valid(r_valid), .in_ready(r_ready), .in_data({r.err, r.data}),
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

    logic up_valid, up_ready, up_err;
    logic [DATA_W-1:0] up_data;
    logic [B-1:0] up_strb;

    dma_unpack #(.DATA_W(DATA_W), .NB_W(NB_W)) u_unpack (
        .clk, .rst, .cmd_valid(uc_valid), .cmd_ready(uc_pop), .cmd_fixed(uc_fixed),
        .cmd_size(uc_size), .cmd_lane(uc_lane), .cmd_count(uc_count),
        .in_valid(al_valid), .in_ready(al_ready), .in_data(al_data), .in_strb(al_strb),
        .in_err(al_err),
        .out_valid(up_valid), .out_ready(up_ready), .out_data(up_data), .out_strb(up_strb),
        .out_err(up_err)
    );

    // ---- output stage: fill and accumulators (absent from a copy-only instance) ------------
    logic xo_valid, wf_ready, xo_err;
    logic [DATA_W-1:0] xo_data;
    logic [B-1:0] xo_strb;

    if (HAS_ACC || HAS_FILL) begin : g_stage
        localparam int AIW = $clog2(ACC_BYTES) - BW;
        logic xc_valid, xc_pop, xc_fixed;
        pass_kind_t xc_kind;
        logic [BW-1:0] xc_soff, xc_doff;
        logic [CL_W-1:0] xc_len;
        elem_size_t xc_size;
        logic [AIW-1:0] xc_base;
        logic xc_load, xc_last, xc_to_p, xc_to_q;
        logic [7:0] xc_coef;
        // ACC: its destination beat in the window; EMIT: the group's (its source here)
        wire [AIW-1:0] base = (kind == PASS_ACC) ? sel.dst[BW +: AIW] : sel.src[BW +: AIW];
        dma_fifo #(.WIDTH(3 + 2 * BW + CL_W + 3 + AIW + 4 + 8), .DEPTH(4)) u_xcmd (
            .clk, .rst, .in_valid(push), .in_ready(xc_ready),
            .in_data({kind, sel.fixed_src ? '0 : s_lane, sel.fixed_dst ? '0 : d_lane, sel.len,
                      sel.fixed_dst, sel.size, base, sel.load, sel.last, sel.to_p, sel.to_q,
                      sel.coef}),
            .out_valid(xc_valid), .out_ready(xc_pop),
            .out_data({xc_kind, xc_soff, xc_doff, xc_len, xc_fixed, xc_size, xc_base, xc_load,
                       xc_last, xc_to_p, xc_to_q, xc_coef})
        );
        // the output beats (a CHECK: one, its verdict), the realigner's input beats
        wire [NB_W-1:0] xc_count = xc_kind == PASS_CHECK ? NB_W'(1)
                                 : xc_fixed ? elems(xc_len, xc_size) : beats(xc_doff, xc_len);
        wire [NB_W-1:0] xc_nin = beats(xc_soff, xc_len);
        wire [BW-1:0] xc_shift = xc_soff - xc_doff;
        wire xc_prime = xc_soff > xc_doff;
        wire [BW-1:0] xc_end = BW'(32'(xc_doff) + 32'(xc_len) - 1);
        wire [B-1:0] xc_first = {B{1'b1}} << xc_doff;
        wire [B-1:0] xc_last_strb = {B{1'b1}} >> (BW'(B - 1) - xc_end);
        dma_acc #(.DATA_W(DATA_W), .NB_W(NB_W), .ACC_BYTES(ACC_BYTES), .HAS_ACC(HAS_ACC)) u_acc (
            .clk, .rst, .cmd_valid(xc_valid), .cmd_ready(xc_pop), .cmd_kind(xc_kind),
            .cmd_count(xc_count), .cmd_nin(xc_nin), .cmd_base(xc_base), .cmd_load(xc_load),
            .cmd_last(xc_last), .cmd_to_p(xc_to_p), .cmd_to_q(xc_to_q), .cmd_coef(xc_coef),
            .cmd_shift(xc_shift), .cmd_prime(xc_prime), .cmd_first_strb(xc_first),
            .cmd_last_strb(xc_last_strb),
            .in_valid(up_valid), .in_ready(up_ready), .in_data(up_data), .in_strb(up_strb),
            .in_err(up_err),
            .out_valid(xo_valid), .out_ready(wf_ready), .out_data(xo_data), .out_strb(xo_strb),
            .out_err(xo_err)
        );
    end else begin : g_no_stage
        assign xc_ready = 1'b1;
        assign {xo_valid, xo_data, xo_strb, xo_err} = {up_valid, up_data, up_strb, up_err};
        assign up_ready = wf_ready;
        wire unused_cmd = ^{sel.load, sel.last, sel.to_p, sel.to_q, sel.coef};
    end

    // ---- write side ------------------------------------------------------------------------
    logic wf_valid, wf_pop, wf_err;
    logic [DATA_W-1:0] wf_data;
    logic [B-1:0] wf_strb;

    dma_fifo #(.WIDTH(1 + B + DATA_W), .DEPTH(FIFO_DEPTH)) u_wfifo (
        .clk, .rst, .in_valid(xo_valid), .in_ready(wf_ready),
        .in_data({xo_err, xo_strb, xo_data}),
        .out_valid(wf_valid), .out_ready(wf_pop), .out_data({wf_err, wf_strb, wf_data})
    );

    dma_wr_engine #(
        .ax_t(ax_t), .w_t(w_t), .NUM_CH(NUM_CH), .ADDR_W(ADDR_W), .DATA_W(DATA_W), .NB_W(NB_W), .CL_W(CL_W),
        .MAX_BURST(MAX_BURST), .FIFO_DEPTH(FIFO_DEPTH), .MAX_OUTSTANDING(MAX_OUTSTANDING)
    ) u_wr (
        .clk, .rst, .cmd_valid(wc_valid), .cmd_ready(wc_pop), .cmd_ch(wc_ch),
        .cmd_addr(wc_addr), .cmd_beats(wc_beats), .cmd_fixed(wc_fixed), .cmd_size(wc_size),
        .cmd_len(wc_len), .cmd_seq(wc_seq), .cmd_nop(wc_nop), .kill,
        .beat_pushed(xo_valid && wf_ready),
        .fifo_valid(wf_valid), .fifo_pop(wf_pop), .fifo_data(wf_data), .fifo_strb(wf_strb),
        .fifo_err(wf_err),
        .aw_valid, .aw_ready, .aw, .w_valid, .w_ready, .w,
        .b_valid, .b_ready, .b_err, .done_valid, .done_ch, .done_err(done.err),
        .done_bytes(done.bytes), .done_sum(done.sum)
    );
endmodule
