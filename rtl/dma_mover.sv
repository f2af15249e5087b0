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
    input  cmd_t              cmd [NUM_CH],  // each channel's; len 1 .. CHUNK_BYTES, a multiple of size if fixed
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
    // ---- dispatch: derive each engine's view of the chunk ----------------------------------
    // The arithmetic is done on every channel's command, in parallel with the arbitration;
    // the grant (cmd_ch, late: the channels' valids, then the round robin) only selects the
    // results, so a multiplexer and the carry's select lie between it and the command FIFOs.
    typedef struct packed {
        logic [ADDR_W-1:0]    src_al;   // the first source beat (the device register if fixed)
        logic [ADDR_W-BW-1:0] src_nx;   // ... the beat after it, for a carried chunk
        logic [NB_W-1:0]      n_ar;     // AXI read beats
        logic [NB_W-1:0]      n_rd;     // realigner input beats
        logic [NB_W-1:0]      n_rd1;    // ... less one (a carried chunk; n_rd > 1: not 0)
        logic [NB_W-1:0]      n_wr;     // realigner output beats
        logic [NB_W-1:0]      n_aw;     // AXI write beats
        logic [BW-1:0]        shift;
        logic                 prime;    // s_off > d_off
        logic [B-1:0]         first_strb, last_strb;
        logic                 carry_ok; // may carry: all of the carry test but the last chunk
    } dec_t;
    dec_t dec [NUM_CH];

    for (genvar c = 0; c < NUM_CH; c++) begin : g_dec
        wire [BW-1:0] s_lane = cmd[c].src[BW-1:0];
        wire [BW-1:0] d_lane = cmd[c].dst[BW-1:0];
        wire [BW-1:0] s_off = cmd[c].fixed_src ? '0 : s_lane;  // as the realigner sees it
        wire [BW-1:0] d_off = cmd[c].fixed_dst ? '0 : d_lane;
        wire [NB_W-1:0] n_elem = NB_W'(cmd[c].len >> cmd[c].size);
        wire [NB_W-1:0] n_rd = NB_W'((32'(s_off) + 32'(cmd[c].len) + B - 1) >> BW);
        wire [NB_W-1:0] n_rd1 = NB_W'((32'(s_off) + 32'(cmd[c].len) - 1) >> BW);
        wire [NB_W-1:0] n_wr = NB_W'((32'(d_off) + 32'(cmd[c].len) + B - 1) >> BW);
        wire [BW-1:0] end_off = BW'(32'(d_off) + 32'(cmd[c].len) - 1);
        // Realigner carry: a chunk that continues the one dispatched just before it (same
        // channel and descriptor, memory on both sides, contiguous, the seam on a destination
        // beat boundary and inside a source beat) does not read that shared source beat
        // again: the realigner still holds it from the previous chunk, as if it had just
        // primed with it. (Contiguous and same descriptor: cont, from the channel; the
        // previous chunk: last_valid and last_ch, below.)
        assign dec[c] = '{
            src_al: cmd[c].fixed_src ? cmd[c].src : {cmd[c].src[ADDR_W-1:BW], {BW{1'b0}}},
            src_nx: cmd[c].src[ADDR_W-1:BW] + 1'b1,
            n_ar: cmd[c].fixed_src ? n_elem : n_rd,
            n_rd: n_rd,
            n_rd1: n_rd1,
            n_wr: n_wr,
            n_aw: cmd[c].fixed_dst ? n_elem : n_wr,
            shift: s_off - d_off,
            prime: s_off > d_off,
            first_strb: {B{1'b1}} << d_off,
            last_strb: {B{1'b1}} >> (BW'(B - 1) - end_off),
            carry_ok: cmd[c].kind == PASS_COPY && !cmd[c].fixed_src && !cmd[c].fixed_dst
                   && cmd[c].cont && d_lane == '0 && s_lane != '0 && n_rd1 != '0
        };
    end

    wire cmd_t sel = cmd[cmd_ch];
    wire dec_t d = dec[cmd_ch];
    wire pass_kind_t kind = sel.kind;
    wire to_rd = kind == PASS_COPY || kind == PASS_ACC;   // read, pack, realign, unpack
    wire to_wr = kind != PASS_ACC;                        // the write engine
    wire is_copy = kind == PASS_COPY;
    wire is_check = kind == PASS_CHECK;
    wire [BW-1:0] s_lane = sel.src[BW-1:0];
    wire [BW-1:0] d_lane = sel.dst[BW-1:0];
    wire [NB_W-1:0] n_rd = d.n_rd;
    wire [NB_W-1:0] n_wr = d.n_wr;
    wire [NB_W-1:0] n_aw = d.n_aw;
    wire [BW-1:0] shift = d.shift;
    wire [B-1:0] first_strb = d.first_strb;
    wire [B-1:0] last_strb = d.last_strb;
    logic              last_valid;
    logic [CW-1:0]     last_ch;
    wire carry = d.carry_ok && last_valid && cmd_ch == last_ch;
    // a carried chunk is a copy of memory: n_ar = n_rd, and the source is not fixed
    wire [ADDR_W-1:0] src_al = carry ? {d.src_nx, {BW{1'b0}}} : d.src_al;
    wire [NB_W-1:0] n_ar_c = carry ? d.n_rd1 : d.n_ar;  // AXI read beats, less the carried one
    wire [NB_W-1:0] n_rd_c = carry ? d.n_rd1 : n_rd;    // realigner input beats, likewise
    wire [ADDR_W-1:0] dst_al = sel.fixed_dst ? sel.dst : {sel.dst[ADDR_W-1:BW], {BW{1'b0}}};
    wire axi_size_t rd_size = sel.fixed_src ? axi_size_t'(sel.size) : axi_size_t'(BW);
    wire axi_size_t wr_size = sel.fixed_dst ? axi_size_t'(sel.size) : axi_size_t'(BW);

    logic rc_ready, pc_ready, ac_ready, uc_ready, wc_ready;
    logic xc_ready;
    assign cmd_ready = rc_ready && pc_ready && ac_ready && uc_ready && wc_ready && xc_ready;
    wire push = cmd_valid && cmd_ready;
    wire push_rd = push && to_rd;
    wire push_wr = push && to_wr;
    wire unused_r_last = r.last;  // bursts are counted: the engines know where they end
    wire unused_more = sel.more;  // (the arbiter's: a group comes whole)
    wire unused_cont = sel.cont;  // (in carry_ok)

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

    logic rc_valid, rc_pop;
    logic [ADDR_W-1:0] rc_addr;
    logic [NB_W-1:0] rc_beats;
    logic rc_fixed;
    axi_size_t rc_size;
    dma_fifo #(.WIDTH(ADDR_W + NB_W + 4), .DEPTH(4)) u_rcmd (
        .clk, .rst, .in_valid(push_rd), .in_ready(rc_ready),
        .in_data({src_al, n_ar_c, sel.fixed_src, rd_size}),
        .out_valid(rc_valid), .out_ready(rc_pop), .out_data({rc_addr, rc_beats, rc_fixed, rc_size})
    );

    logic pc_valid, pc_pop, pc_fixed;
    logic [1:0] pc_size;
    logic [BW-1:0] pc_lane;
    logic [NB_W-1:0] pc_count;
    dma_fifo #(.WIDTH(3 + BW + NB_W), .DEPTH(4)) u_pcmd (
        .clk, .rst, .in_valid(push_rd), .in_ready(pc_ready),
        .in_data({sel.fixed_src, sel.size, s_lane, n_ar_c}),
        .out_valid(pc_valid), .out_ready(pc_pop), .out_data({pc_fixed, pc_size, pc_lane, pc_count})
    );

    logic uc_valid, uc_pop, uc_fixed;
    logic [1:0] uc_size;
    logic [BW-1:0] uc_lane;
    logic [NB_W-1:0] uc_count;
    dma_fifo #(.WIDTH(3 + BW + NB_W), .DEPTH(4)) u_ucmd (
        .clk, .rst, .in_valid(push_rd), .in_ready(uc_ready),
        .in_data({sel.fixed_dst, sel.size, d_lane, n_aw}),
        .out_valid(uc_valid), .out_ready(uc_pop), .out_data({uc_fixed, uc_size, uc_lane, uc_count})
    );

    logic ac_valid, ac_pop, ac_prime, ac_carry;
    logic [BW-1:0] ac_shift;
    logic [NB_W-1:0] ac_nin, ac_nout;
    logic [B-1:0] ac_first, ac_last;
    dma_fifo #(.WIDTH(BW + 2 + 2 * NB_W + 2 * B), .DEPTH(4)) u_acmd (
        .clk, .rst, .in_valid(push_rd), .in_ready(ac_ready),
        .in_data({shift, d.prime && !carry, carry, n_rd_c, n_wr, first_strb, last_strb}),
        .out_valid(ac_valid), .out_ready(ac_pop),
        .out_data({ac_shift, ac_prime, ac_carry, ac_nin, ac_nout, ac_first, ac_last})
    );

    logic wc_valid, wc_pop;
    logic [CW-1:0] wc_ch;
    logic [ADDR_W-1:0] wc_addr;
    logic [NB_W-1:0] wc_beats;
    logic [CL_W-1:0] wc_len;
    logic wc_fixed, wc_nop;
    axi_size_t wc_size;
    desc_seq_t wc_seq;
    // a CHECK is one beat (the output stage's verdict) that never reaches the bus; a pass
    // whose bytes do not count (the second output of a group) completes with 0 bytes
    wire [NB_W-1:0] wc_n = is_check ? NB_W'(1) : n_aw;
    wire [CL_W-1:0] wc_l = sel.tally ? sel.len : '0;
    dma_fifo #(.WIDTH(CW + ADDR_W + NB_W + CL_W + 7), .DEPTH(4)) u_wcmd (
        .clk, .rst, .in_valid(push_wr), .in_ready(wc_ready),
        .in_data({cmd_ch, dst_al, wc_n, wc_l, sel.fixed_dst, wr_size, sel.seq, is_check}),
        .out_valid(wc_valid), .out_ready(wc_pop),
        .out_data({wc_ch, wc_addr, wc_beats, wc_len, wc_fixed, wc_size, wc_seq, wc_nop})
    );

    // ---- read side -------------------------------------------------------------------------
    logic rf_valid, rf_pop, rf_err;
    logic [DATA_W-1:0] rf_data;

    dma_rd_engine #(
        .ax_t(ax_t), .ADDR_W(ADDR_W), .DATA_W(DATA_W), .NB_W(NB_W), .MAX_BURST(MAX_BURST),
        .FIFO_DEPTH(FIFO_DEPTH)
    ) u_rd (
        .clk, .rst, .cmd_valid(rc_valid), .cmd_ready(rc_pop), .cmd_addr(rc_addr),
        .cmd_beats(rc_beats), .cmd_fixed(rc_fixed), .cmd_size(rc_size),
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
        logic xc_valid, xc_pop;
        pass_kind_t xc_kind;
        logic [NB_W-1:0] xc_count, xc_nin;
        logic [AIW-1:0] xc_base;
        logic xc_load, xc_last, xc_to_p, xc_to_q, xc_prime;
        logic [7:0] xc_coef;
        logic [BW-1:0] xc_shift;
        logic [B-1:0] xc_first, xc_last_strb;
        // ACC: its destination beat in the window; EMIT: the group's (its source here)
        wire [AIW-1:0] base = (kind == PASS_ACC) ? sel.dst[BW +: AIW] : sel.src[BW +: AIW];
        dma_fifo #(.WIDTH(3 + 2 * NB_W + AIW + 5 + 8 + BW + 2 * B), .DEPTH(4)) u_xcmd (
            .clk, .rst, .in_valid(push), .in_ready(xc_ready),
            .in_data({kind, wc_n, n_rd, base, sel.load, sel.last, sel.to_p, sel.to_q,
                      d.prime, sel.coef, shift, first_strb, last_strb}),
            .out_valid(xc_valid), .out_ready(xc_pop),
            .out_data({xc_kind, xc_count, xc_nin, xc_base, xc_load, xc_last, xc_to_p, xc_to_q,
                       xc_prime, xc_coef, xc_shift, xc_first, xc_last_strb})
        );
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
