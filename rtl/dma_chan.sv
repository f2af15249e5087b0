// One channel's front end: the descriptor walker, with the blocks it drives:
//   dma_chan_regs         the channel's registers (set-up in cfg, acting writes in ctl)
//   dma_desc_prefetch     the next descriptor, fetched while the current one is issued
//   dma_completion_queue  memory-copy descriptors completing behind the current one
//   dma_req_handshake     the data phase of a slave transfer, paced by a request line
//
// Life of a descriptor: FETCH (shared fetch engine; checked as it arrives) -> data -> DRAIN (all chunks
// written and acknowledged) -> WB (status word written back) -> next descriptor, idle, or
// halt. The data phase of a memory copy is ISSUE (chunks to the shared data mover,
// round-robin with the other channels). That of a slave transfer is PACE: one request
// handshake per burst or element with the peripheral (dma_req_handshake).
//
// Memory copies are pipelined: once a descriptor's last chunk is issued it moves to a
// completion queue (QUEUE_DEPTH entries, oldest first) and the channel fetches and issues the next
// one while the queue waits for the chunks' write responses and writes the statuses back in
// order (RETIRE). While a descriptor is issued the next one is prefetched. The
// mover's write engine holds a chunk's W beats until every write of the channel's older
// descriptors is acknowledged, and while the channel stops on an error or an abort it drops
// the chunks not yet on the bus, or writes them with no strobes if their AW has gone (kill,
// raised in the cycle a failed chunk completes), so nothing behind a failing data read or
// write lands (status write-backs are not waited for).
// At a chain end (tail, EOC) or an error the channel waits for the queue (WAITQ).
//
// Appending to a running chain is race-free: the driver links the old tail to new work in
// memory and then writes TAIL_DESC. If the descriptor being processed was the tail when it
// was fetched, its NEXT word may be stale, so the channel re-reads it before following it.
// ABORT stops at the next safe point, lets what is on the bus finish, writes nothing more
// and goes idle.
//
// Descriptor operations (docs/raid-operations.md) are data-path passes, not states: a
// MEMSET is issued as a copy whose chunks are FILL passes, an INTERRUPT retires at once
// (nothing to move), and XOR, XOR_VAL, PQ and PQ_VAL are issued in S_ISSUE through the
// operand block (dma_operands, shared by the channels: such a descriptor waits in
// S_FETCH_WAIT for the block's grant), which loads the operand table and turns each chunk
// into a group of passes. Their chunks end on ACC_BYTES-aligned destination addresses.
// Only the passes that write or check complete (ACC passes do not), so the chunk counts
// are of those.
module dma_chan
    import pydma_layout_pkg::*;
    import dma_types_pkg::*;
#(
    parameter type cmd_t = logic,   // chunk command and completion (pydma_dmac)
    parameter type done_t = logic,
    parameter type fetch_req_t = logic,  // descriptor fetch and status write-back requests
    parameter type wb_req_t = logic,     // (pydma_dmac: their addresses follow ADDR_W)
    parameter type op_req_t = logic,     // the channel's side of the shared operand block,
    parameter type op_rsp_t = logic,     // and the block's state (pydma_dmac)
    parameter int ADDR_W = 32,
    parameter int CL_W   = 13,   // width of a chunk length (CHUNK_BYTES and a burst fit)
    parameter int CHUNK_BYTES = 4096,
    parameter int BUS_BYTES_LOG2 = 3,
    parameter int QUEUE_DEPTH = 4, // memory-copy descriptors completing behind the one issued
    parameter int MAX_XOR = 0,     // descriptor operations of the instance (OPS_CONFIG)
    parameter int MAX_PQ = 0,
    parameter bit FILL = 1'b0,
    parameter bit XT = 1'b0,       // 2D descriptors (CTRL.XT)
    parameter bit REPEAT = 1'b0,   // repeating descriptors (CTRL.REPEAT)
    parameter int ACC_BYTES = 4096,
    parameter int INFL_W = 5       // holds the most chunks of a channel in the mover (pydma_dmac)
) (
    input  logic              clk,
    input  logic              rst,
    // register access from dma_regs
    input  chan_reg_acc_t     reg_acc,
    output reg_word_t         reg_rd_data, // the register read, from the cycle after the read
    // descriptor fetch engine
    output logic              fetch_valid,
    output fetch_req_t        fetch_req,
    input  desc_fetch_rsp_t   fetch_rsp,
    input  desc_words_t       fetch_desc,  // (every channel's) with fetch_rsp.done
    input  desc_flags_t       fetch_flags, // ... and its wide tests
    // data mover, one chunk per command
    output logic              cmd_valid,
    input  logic              cmd_ready,  // with cmd_valid: taken (the grant and the mover's room)
    output cmd_t              cmd,        // a copy's, a FILL's or a slave transfer's chunk ...
    output logic              cmd_op,     // ... or, with this, the operand block's pass (op_pass)
    output logic              kill,       // stopping: drop chunks not yet written
    input  logic              chunk_done,
    input  done_t             chunk,
    // status write-back engine
    output logic              wb_valid,
    output wb_req_t           wb_req,
    input  desc_wb_rsp_t      wb_rsp,
    // peripheral request line selected by SLAVE_CFG.REQ_LINE
    output logic [3:0]        req_line,
    output logic              req_used,   // a slave direction is configured
    input  dma_req_t          req,
    output dma_rsp_t          rsp,
    // the shared operand block (pydma_dmac: XOR, XOR_VAL, PQ, PQ_VAL), one channel's at a time
    output op_req_t           op_req,
    input  logic              op_gnt,     // the block is this channel's (a register, dma_rr_arb)
    input  op_rsp_t           op_rsp,     // (every channel's) the block's state ...
    input  logic              op_pass_acc,  // ... and its pass: an ACC (it completes nothing),
    input  logic              op_pass_more, // not a group's last
    output logic              busy_o,     // set-up registers are locked (dma_regs refuses them)
    output logic              halted_o,   // CUR_DESC is locked too: only ABORT or RESET leave
    output logic              irq
);
    typedef enum logic [3:0] {
        S_IDLE, S_FETCH, S_FETCH_WAIT, S_XFETCH, S_XFETCH_WAIT, S_ISSUE, S_RETIRE, S_WAITQ,
        S_PACE, S_DRAIN, S_WB, S_WB_WAIT, S_ABORT, S_HALT
    } state_t;

    state_t state;

    // the channel's registers (dma_chan_regs) and its status
    chan_cfg_t   cfg;
    chan_ctl_t   ctl;
    wire [63:0]  tail = cfg.tail;
    logic        ioc_irq, err_irq, abort_irq;
    logic        abort_req;  // ABORT written, not yet done
    logic [3:0]  err_code;
    logic [63:0] cur;
    // CUR_DESC's writers: one select for all of them (the walker's block sets it), so the
    // register's input is a 4:1 mux under one enable instead of a chain per writer
    typedef enum logic [1:0] {CUR_NEXT, CUR_FETCHED, CUR_WRITTEN, CUR_CLEARED} cur_src_t;
    logic [31:0] done_cnt;
    logic [31:0] frame_cnt;  // frames of repeating descriptors that ran again
    logic        doorbell;  // TAIL_DESC written since the channel last left idle
    logic        cur_done;  // CUR_DESC was completed: resume from its NEXT word
    logic        fenced;    // a FENCE descriptor is in the completion queue: the next one
                            // issues nothing until the queue is empty (its writes acknowledged)

    // the descriptor in flight
    logic [63:0] d_next;
    logic [31:0] d_ctrl;
    logic        was_tail;  // it was the tail when fetched: its NEXT may be stale
    logic        refetch;   // this fetch only re-reads NEXT of a completed descriptor
    logic        eop;       // the peripheral ended the transaction in or before it
    logic        skip;      // after an early end: complete empty up to the IOC descriptor

    // chunk issue: where the next chunk reads and writes, and its length (dma_addr_gen)
    logic [31:0] rem, row_left, xferred;
    logic [ADDR_W-1:0] src_p, dst_p;
    logic        ag_ready;     // not working out a new row's first chunk
    logic [INFL_W-1:0] outstanding;
    logic [3:0]  xerr;
    logic [3:0]  end_code;     // a later descriptor could not be fetched: halt once drained
    logic        d_multi;      // XOR, XOR_VAL, PQ, PQ_VAL: issued by the operand block
    logic [7:0]  d_fill;       // MEMSET: the fill byte
    sum_check_t  d_sum;        // CHECK results of the current descriptor
    logic [INFL_W-1:0] c_left; // chunks of the current descriptor in flight
    logic [CL_W-1:0] c_len;    // the next chunk's length: up to the next seam, row end or the rest
    logic        c_last;       // ... and it is the descriptor's last
    logic        c_cont;       // ... and it continues the previous one (the mover's carry)
    logic [1:0]  c_seq;        // the current descriptor's number

    // descriptor prefetch (memory copies, dma_desc_prefetch)
    logic        pf_req, pf_idle, pf_busy, pf_on, pf_next_was_tail;
    logic        f_arrived, f_err;   // the descriptor that arrives: fetched or prefetched
    logic [255:0] f_desc;
    desc_flags_t  f_flags;   // its wide tests (dma_desc_fetch)

    // the memory-copy completion queue (dma_completion_queue)
    logic        q_room, q_to_cur, q_wb_req, q_wb_sel, q_retired, q_retired_ioc, q_empty, q_wb;
    logic        err_known, q_stop;
    logic [3:0]  stop_code;
    logic [ADDR_W-1:0] q_wb_addr;
    logic [63:0] q_wb_data;
    logic [31:0] q_head_xferred;

    // the request handshake (slave transfers, dma_req_handshake)
    logic        hs_exit_drain, hs_exit_abort, hs_packet_end, hs_waiting, hs_cmd_phase;
    logic        hs_cmd_valid, hs_finish, hs_active;
    logic [CL_W-1:0] hs_len;

    localparam bit HAS_OPS = MAX_XOR > 0 || MAX_PQ > 0;

    // the operand block (multi-source operations)
    logic        op_fetch_req, op_loading, op_fetching, op_fail, op_valid, op_mid;
    logic [ADDR_W-1:0] op_fetch_addr;
    dma_err_t    op_code;
    cmd_t        own_cmd;

    function automatic logic addr_bad(input logic [63:0] a, input logic need_desc_align);
        logic bad;
        bad = need_desc_align && (a[5:0] != 6'd0);
        if (ADDR_W < 64) bad = bad || (a >> ADDR_W) != 64'd0;
        return bad;
    endfunction

    // the descriptor that arrives
    wire [63:0] f_next = f_desc[DESC_NEXT_OFF*8 +: 64];
    wire [ADDR_W-1:0] f_src = f_desc[DESC_SRC_OFF*8 +: ADDR_W];  // (the rest: f_flags)
    wire [ADDR_W-1:0] f_dst = f_desc[DESC_DST_OFF*8 +: ADDR_W];
    if (ADDR_W < 64) begin : g_f_hi  // the address words' upper bits: tested in f_flags only
        wire unused = ^{f_desc[DESC_SRC_OFF*8 + ADDR_W +: 64 - ADDR_W],
                        f_desc[DESC_DST_OFF*8 + ADDR_W +: 64 - ADDR_W]};
    end
    wire [31:0] f_len  = f_desc[DESC_LEN_OFF*8 +: 32];
    wire [31:0] f_ctrl = f_desc[DESC_CTRL_OFF*8 +: 32];
    wire [3:0]  f_op   = f_ctrl[DCTRL_OP_LSB +: DCTRL_OP_W];
    wire [4:0]  f_nsrc = f_ctrl[DCTRL_NSRC_LSB +: DCTRL_NSRC_W];
    wire        f_dis  = f_ctrl[DCTRL_PQ_DISABLE_P_BIT] || f_ctrl[DCTRL_PQ_DISABLE_Q_BIT];
    wire        f_multi = f_op == OP_XOR || f_op == OP_XOR_VAL || f_op == OP_PQ || f_op == OP_PQ_VAL;
    wire        f_xt   = f_ctrl[DCTRL_XT_BIT];
    // a 2D descriptor's second half, fetched in S_XFETCH (its words from DESC_FETCH_BYTES on)
    localparam int XT_BASE = DESC_FETCH_BYTES * 8;
    wire [31:0] x_row_len    = fetch_desc[DESC_ROW_LEN_OFF*8 - XT_BASE +: 32];
    wire [31:0] x_src_stride = fetch_desc[DESC_SRC_STRIDE_OFF*8 - XT_BASE +: 32];
    wire [31:0] x_dst_stride = fetch_desc[DESC_DST_STRIDE_OFF*8 - XT_BASE +: 32];

    wire slave    = cfg.slave.dir != DIR_MEM_TO_MEM;
    wire to_dev   = cfg.slave.dir == DIR_MEM_TO_DEV;
    wire [31:0] elem_mask   = (32'd1 << cfg.slave.width) - 32'd1;
    /* verilator lint_off CMPCONST */  // constant on buses of 8 bytes and more
    wire width_bad = 32'(cfg.slave.width) > BUS_BYTES_LOG2;
    /* verilator lint_on CMPCONST */
    // the fetched descriptor's checks, made as it arrives (no separate check cycle). A
    // function, written out where it is looked at (the arrival branch below, the handshake's
    // start): a shared wire would be evaluated on every cycle of every channel.
    /* verilator lint_off CMPCONST */  // MAX_XOR, MAX_PQ may be 0 or the largest NSRC
    /* verilator lint_off UNSIGNED */
    function automatic logic op_bad();  // the operation, its sources and flags
        logic bad;
        unique case (f_op)
            OP_COPY:      bad = f_nsrc != 0 || f_dis || f_flags.len_zero;
            OP_MEMSET:    bad = !FILL || f_nsrc != 0 || f_dis || f_flags.len_zero || f_flags.src_hi8;
            OP_XOR, OP_XOR_VAL:
                bad = MAX_XOR == 0 || f_nsrc < 5'd2 || f_nsrc > 5'(MAX_XOR) || f_dis
                   || f_flags.len_zero || f_flags.src_lo6;
            OP_PQ, OP_PQ_VAL:
                bad = MAX_PQ == 0 || f_nsrc < 5'd1 || f_nsrc > 5'(MAX_PQ) || f_flags.len_zero
                   || (f_ctrl[DCTRL_PQ_DISABLE_P_BIT] && f_ctrl[DCTRL_PQ_DISABLE_Q_BIT])
                   || f_flags.src_lo6;
            OP_INTERRUPT: bad = f_nsrc != 0 || f_dis || !f_flags.len_zero || !f_flags.src_zero || !f_flags.dst_zero;
            default:      bad = 1'b1;
        endcase
        return bad || f_flags.ctrl_bad || (slave && f_op != OP_COPY)
            || (f_xt && (!XT || f_op != OP_COPY))
            // (a repeating descriptor: a slave transfer's, not the end of a chain or a ring)
            || (f_ctrl[DCTRL_REPEAT_BIT] && (!REPEAT || !slave || cfg.cyclic || f_ctrl[DCTRL_EOC_BIT]));
    endfunction
    /* verilator lint_on UNSIGNED */
    /* verilator lint_on CMPCONST */
    // the slave set-up's own checks, registered: it is written long before a descriptor of
    // its transfer can arrive (the doorbell is a later register write, then the fetch)
    logic cfg_bad;
    always_ff @(posedge clk) begin
        cfg_bad <= slave && (cfg.slave.dir == 2'd3 || width_bad
                             || (cfg.slave.dev_addr[31:0] & elem_mask) != 0
                             || addr_bad(cfg.slave.dev_addr, 1'b0));
    end
    function automatic logic desc_bad();
        return op_bad()
            || f_flags.src_wide || f_flags.dst_wide
            || cfg_bad || (slave && (f_len & elem_mask) != 0);
    endfunction

    wire busy = state != S_IDLE && state != S_HALT;
    wire cur_chunk_done = chunk_done && q_to_cur;
    wire q_push = state == S_RETIRE && q_room && !err_known && !abort_req;
    // a repeating descriptor that ends while it is still the tail runs again (REPEAT: the
    // display-refresh pattern); once TAIL_DESC moved past it, it completes and the chain goes
    // on at its end, so the next frame starts exactly at a frame boundary
    wire repeat_again = REPEAT && d_ctrl[DCTRL_REPEAT_BIT] && cur == tail && xerr == ERR_NONE && !eop;
    // a finished descriptor is followed by its NEXT (a ring, or not the end and NEXT is fresh)
    wire follow_next = cfg.cyclic || (!d_ctrl[DCTRL_EOC_BIT] && cur != tail && !was_tail);
    wire chain_end = !cfg.cyclic && (d_ctrl[DCTRL_EOC_BIT] || cur == tail) && !repeat_again;  // as things stand
    wire paused = cfg.pause && (state == S_IDLE || state == S_HALT
                 || ((state == S_ISSUE || hs_waiting) && outstanding == 0 && q_empty && !op_mid));

    // prefetch while a memory-copy descriptor is issued whose NEXT is valid (not the end of
    // the chain, and not the tail when fetched: a stale NEXT is re-read as before)
    wire pf_want = (state == S_ISSUE || state == S_RETIRE) && !slave && !cfg.cyclic
                && !d_ctrl[DCTRL_EOC_BIT] && !was_tail && !addr_bad(d_next, 1'b1)
                && !abort_req && !err_known && xerr == ERR_NONE && !op_loading;
    // the fetch port: descriptors, the prefetch, and the operand table's rows
    assign fetch_valid = state == S_FETCH && !addr_bad(cur, 1'b1) && !abort_req && !err_known || pf_req
                      || op_fetch_req || (state == S_XFETCH && !abort_req && !err_known);
    // (a 2D descriptor's second half: CUR is descriptor-aligned, so the offset is one bit)
    wire [ADDR_W-1:0] cur_fetch = {cur[ADDR_W-1:$clog2(DESC_FETCH_BYTES)+1], state == S_XFETCH,
                                   cur[$clog2(DESC_FETCH_BYTES)-1:0]};
    assign fetch_req.addr = op_fetch_req ? op_fetch_addr : pf_req ? d_next[ADDR_W-1:0] : cur_fetch;
    wire issuing = state == S_ISSUE && !abort_req && !(fenced && !q_empty);
    assign cmd_valid  = issuing && (d_multi ? op_valid : !cfg.pause && ag_ready)
                     || hs_cmd_valid;
    // a copy, a MEMSET's FILL or a slave transfer's chunk; or a pass of the operand block
    always_comb begin
        own_cmd = '0;
        own_cmd.src    = (slave && !to_dev) ? cfg.slave.dev_addr[ADDR_W-1:0] : src_p;
        own_cmd.dst    = (slave && to_dev) ? cfg.slave.dev_addr[ADDR_W-1:0] : dst_p;
        own_cmd.len    = hs_cmd_phase ? hs_len : c_len;
        own_cmd.fixed_src = slave && !to_dev;
        own_cmd.fixed_dst = slave && to_dev;
        own_cmd.size   = cfg.slave.width;
        own_cmd.seq    = c_seq;
        own_cmd.kind   = (FILL && d_ctrl[DCTRL_OP_LSB +: DCTRL_OP_W] == OP_MEMSET) ? PASS_FILL : PASS_COPY;
        own_cmd.coef   = d_fill;
        own_cmd.tally  = 1'b1;
        own_cmd.cont   = c_cont;
    end
    // (the operand block's pass is chosen at the mover's input: one select there instead of
    // one per channel)
    assign cmd = own_cmd;
    assign cmd_op = HAS_OPS && d_multi;
    // the commands that complete (all but ACC passes), and the end of a chunk (its last pass)
    wire cmd_take   = cmd_valid && cmd_ready;
    wire cmd_counts = cmd_take && !(cmd_op && op_pass_acc);
    wire chunk_take = cmd_take && !(cmd_op && op_pass_more);
    // status write-back: the completion queue's head (memory copies) or the current
    // descriptor (slave transfers, which run one descriptor at a time)
    assign wb_valid     = (state == S_WB && !abort_req) || q_wb_req;
    assign wb_req.addr  = q_wb_sel ? q_wb_addr : cur[ADDR_W-1:0] + ADDR_W'(DESC_STATUS_OFF);
    assign wb_req.data  = q_wb_sel ? q_wb_data : {xferred, 22'd0, (xerr == ERR_NONE) ? d_sum : 2'b00, xerr, 2'd0, eop, 1'b1};
    // XFERRED belongs to descriptor number DONE_CNT: the queue's head, else the current one
    wire [31:0] xferred_rd = !q_empty ? q_head_xferred : xferred;
    // kill: also in the cycle a failed chunk completes, which is the first cycle the write
    // barrier (in dma_wr_engine) could let a later descriptor's writes go
    assign kill       = abort_req || err_known || (chunk_done && chunk.err != ERR_NONE);
    assign req_line   = cfg.slave.line;
    assign req_used   = slave;
    assign busy_o     = busy;
    assign halted_o   = state == S_HALT;

    wire w_reset = ctl.reset;

    // An idle or halted channel changes nothing until a register write, an abort, a doorbell
    // with RUN set, or a late completion, TC pulse or prefetch reaches it: the register bank
    // below is enabled only then (the same logic; simulators skip the idle channels' work)
    wire active = busy || reg_acc.wr || abort_req || (cfg.run && doorbell) || chunk_done || hs_active
               || !q_empty || q_wb || !pf_idle;

    wire drained = outstanding == 0 && !chunk_done;  // no chunk of the channel's on the bus
    // the chain stops (end, error) once nothing of it is on the bus any more
    wire waitq_done = state == S_WAITQ && !abort_req && drained && !q_wb && (q_stop || q_empty)
                   && !pf_busy && !op_fetching;
    // an abort is done: a partly served request has had its handshake, nothing is on the bus
    wire abort_done = state == S_ABORT && !hs_finish && drained && !q_wb && !pf_busy && !op_fetching;
    // the descriptor that arrived becomes the current one (the last arm of S_FETCH_WAIT)
    wire f_good = state == S_FETCH_WAIT && f_arrived && !abort_req && !f_err && !err_known
               && !refetch;
    // ... unless it is a multi-source descriptor and the shared operand block is not the
    // channel's yet: it waits, held by the prefetch, until the block's grant comes round
    wire op_wait = HAS_OPS && f_good && f_multi && !op_gnt;
    wire f_take = f_good && !op_wait;
    // a 2D descriptor's second half arrived, and it is good: the data phase starts
    // (a row of a slave transfer is whole elements)
    wire x_row_bad = x_row_len == 0 || (slave && (x_row_len & elem_mask) != 0);
    wire x_take = state == S_XFETCH_WAIT && fetch_rsp.done && !abort_req && !fetch_rsp.err
               && !err_known && !x_row_bad;

    dma_addr_gen #(
        .ADDR_W(ADDR_W), .CL_W(CL_W), .CHUNK_BYTES(CHUNK_BYTES), .ACC_BYTES(ACC_BYTES),
        .HAS_OPS(HAS_OPS), .XT(XT)
    ) u_addr (
        .clk, .rst, .en(active),
        .load(f_take), .load_src(f_src[ADDR_W-1:0]), .load_dst(f_dst[ADDR_W-1:0]), .load_len(f_len),
        .load_multi(f_multi),
        .load_xt(x_take), .xt_row_len(x_row_len), .xt_src_stride(x_src_stride),
        .xt_dst_stride(x_dst_stride),
        // a chunk of a copy, or a piece of a slave transfer's request
        .step((state == S_ISSUE && chunk_take) || (state == S_PACE && hs_cmd_valid && cmd_ready)),
        .step_len(own_cmd.len),
        .src(src_p), .dst(dst_p), .rem, .row_left, .len(c_len), .last(c_last), .cont(c_cont),
        .ready(ag_ready)
    );

    dma_req_handshake #(.CL_W(CL_W)) u_handshake (
        .clk, .rst, .en(active), .cfg(cfg.slave), .pause(cfg.pause), .abort_req,
        .start((f_take && slave && !skip && !desc_bad() && !f_xt) || (x_take && slave)),
        .start_len(f_take ? f_len : rem), .rem, .seg(row_left), .seg_ok(ag_ready), .chain_end, .failed(xerr != ERR_NONE), .drained,
        .exit_drain(hs_exit_drain), .exit_abort(hs_exit_abort), .packet_end(hs_packet_end),
        .waiting(hs_waiting), .cmd_phase(hs_cmd_phase), .cmd_valid(hs_cmd_valid), .len(hs_len),
        .cmd_ready, .stopping(state == S_ABORT), .finish(hs_finish), .stopped(!busy),
        .active(hs_active), .req, .rsp
    );

    if (HAS_OPS) begin : g_ops
        // the block answers the channel it works for; the others see it idle
        assign op_fetch_req  = op_gnt && op_rsp.fetch_req;
        assign op_fetch_addr = op_rsp.fetch_addr;
        assign op_loading    = op_gnt && op_rsp.loading;
        assign op_fetching   = op_gnt && op_rsp.fetching;
        assign op_fail       = op_gnt && op_rsp.load_fail;
        assign op_code       = op_rsp.load_code;
        assign op_valid      = op_gnt && op_rsp.cmd_valid;
        assign op_mid        = op_gnt && op_rsp.mid;
        always_comb begin
            op_req = '0;
            // asked for when such a descriptor arrives; kept while its table loads or it is
            // issued (the grant stays with a channel that asks: dma_rr_arb)
            op_req.want  = state == S_FETCH_WAIT && f_arrived && f_multi;
            op_req.hold  = (d_multi && state == S_ISSUE) || op_loading;
            op_req.start = f_take && f_multi && !desc_bad();
            op_req.op    = f_op;
            op_req.nsrc  = f_nsrc;
            op_req.dis_p = f_ctrl[DCTRL_PQ_DISABLE_P_BIT];
            op_req.dis_q = f_ctrl[DCTRL_PQ_DISABLE_Q_BIT];
            op_req.table_addr = f_src[ADDR_W-1:0];
            op_req.go    = issuing && d_multi && !cfg.pause;
            op_req.go_on = issuing && d_multi;
            op_req.off   = src_p;
            op_req.dst   = dst_p;
            op_req.len   = c_len;
            op_req.seq   = c_seq;
        end
    end else begin : g_no_ops
        assign {op_fetch_req, op_loading, op_fetching, op_fail, op_valid, op_mid} = '0;
        assign op_fetch_addr = '0;
        assign op_code = ERR_NONE;
        assign op_req = '0;
        wire unused_op = ^{op_gnt, op_rsp};
    end

    dma_desc_prefetch u_prefetch (
        .clk, .rst, .en(active), .want(pf_want), .next_is_tail(d_next == tail), .req(pf_req),
        .fetch_gnt(fetch_rsp.gnt && !op_fetch_req), .fetch_done(fetch_rsp.done && !op_fetching),
        .fetch_err(fetch_rsp.err), .fetch_desc, .fetch_flags,
        .keep(op_wait), .drop((state == S_FETCH_WAIT && f_arrived && !op_wait) || waitq_done || abort_done),
        .idle(pf_idle), .busy(pf_busy), .on(pf_on), .next_was_tail(pf_next_was_tail),
        .arrived(f_arrived), .arrived_err(f_err), .arrived_desc(f_desc), .arrived_flags(f_flags)
    );

    dma_completion_queue #(
        .done_t(done_t), .ADDR_W(ADDR_W), .DEPTH(QUEUE_DEPTH), .LEFT_W(INFL_W)
    ) u_queue (
        .clk, .rst, .en(active),
        .push(q_push),
        .push_entry('{addr: cur, ioc: d_ctrl[DCTRL_IOC_BIT], left: 32'(c_left), xferred: xferred, err: xerr,
                      sum: d_sum}),
        .room(q_room),
        .chunk_done, .chunk, .to_cur(q_to_cur),
        .abort_req, .wb_req(q_wb_req), .wb_sel(q_wb_sel), .wb_addr(q_wb_addr), .wb_data(q_wb_data),
        .wb_gnt(wb_rsp.gnt), .wb_done(wb_rsp.done), .wb_err(wb_rsp.err),
        .retired(q_retired), .retired_ioc(q_retired_ioc),
        .empty(q_empty), .wb_busy(q_wb), .err_known, .stop(q_stop), .stop_code,
        .head_xferred(q_head_xferred),
        .flush(waitq_done || abort_done), .stop_ack((waitq_done && q_stop) || abort_done),
        .clear(w_reset)
    );

    dma_chan_regs u_regs (
        .clk, .rst, .acc(reg_acc), .rd_data(reg_rd_data),
        .cfg, .ctl,
        .status('{
            busy: busy, halted: state == S_HALT, paused: paused,
            ioc_irq: ioc_irq, err_irq: err_irq, abort_irq: abort_irq, err_code: err_code,
            cur: cur, done_cnt: done_cnt, xferred: xferred_rd, frame_cnt: frame_cnt
        }),
        .irq
    );

    // a descriptor is done: follow NEXT (a ring always), stop after the tail or EOC, or
    // re-read the NEXT of a descriptor that was the tail when fetched (it may be stale);
    // the caller moves CUR_DESC to NEXT where follow_next
    task automatic next_descriptor();
        if (cfg.cyclic) begin
            state <= S_FETCH;
        end else if (d_ctrl[DCTRL_EOC_BIT] || cur == tail) begin
            cur_done <= 1'b1;
            state <= S_IDLE;
        end else if (was_tail) begin
            cur_done <= 1'b1;
            refetch <= 1'b1;
            state <= S_FETCH;
        end else begin
            state <= S_FETCH;
        end
    endtask

    task automatic halt(input logic [3:0] code);
        err_code <= code;
        err_irq  <= 1'b1;
        state    <= S_HALT;
    endtask


    always_ff @(posedge clk) begin
        if (rst) begin
            state <= S_IDLE;
            {ioc_irq, err_irq, abort_irq, abort_req} <= '0;
            err_code <= ERR_NONE;
            cur <= '0;
            done_cnt <= '0;
            frame_cnt <= '0;
            doorbell <= 1'b0;
            cur_done <= 1'b0;
            fenced <= 1'b0;
            outstanding <= '0;
            {d_next, d_ctrl, was_tail, refetch, eop, skip} <= '0;
            {xferred, xerr} <= '0;
            {end_code, c_left, c_seq, d_multi, d_fill, d_sum} <= '0;
        end else if (active) begin
            logic     cur_we;
            cur_src_t cur_src;
            {cur_we, cur_src} = {1'b0, CUR_NEXT};
            // ---- register writes that act here ------------------------------------------
            if (ctl.abort_wr) abort_req <= 1'b1;
            if (ctl.clr_ioc) ioc_irq <= 1'b0;
            if (ctl.clr_err) err_irq <= 1'b0;
            if (ctl.clr_abort) abort_irq <= 1'b0;
            if (ctl.cur_load) begin
                {cur_we, cur_src} = {1'b1, CUR_WRITTEN};
                cur_done <= 1'b0;
            end
            if (ctl.doorbell) doorbell <= 1'b1;

            // ---- chunk completions may arrive in any state -------------------------------
            if (cur_chunk_done) begin
                if (chunk.err != ERR_NONE && xerr == ERR_NONE) xerr <= chunk.err;
                if (chunk.err == ERR_NONE) xferred <= xferred + 32'(chunk.bytes);
                d_sum <= d_sum | chunk.sum;
            end
            if (op_fail && xerr == ERR_NONE) xerr <= op_code;  // the operand table
            outstanding <= outstanding + INFL_W'(cmd_counts) - INFL_W'(chunk_done);
            c_left <= c_left + INFL_W'(cmd_counts) - INFL_W'(cur_chunk_done);

            // ---- the completion queue wrote a status back ------------------------------------
            if (q_retired) done_cnt <= done_cnt + 1'b1;
            if (q_retired_ioc) ioc_irq <= 1'b1;
            if (q_push && d_ctrl[DCTRL_FENCE_BIT]) fenced <= 1'b1;
            else if (q_empty) fenced <= 1'b0;
            if (q_push) begin  // the current descriptor's accounts went to the queue
                c_seq <= c_seq + 1'b1;
                c_left <= '0;
                xferred <= '0;
                xerr <= ERR_NONE;
                d_sum <= '0;
            end

            // ---- descriptor state machine -------------------------------------------------
            unique case (state)
                S_IDLE: if (abort_req) begin
                    abort_req <= 1'b0;
                    abort_irq <= 1'b1;
                    doorbell <= 1'b0;
                end else if (cfg.run && doorbell && !w_reset) begin
                    doorbell <= 1'b0;
                    if (!cur_done) begin
                        refetch <= 1'b0;
                        state <= S_FETCH;
                    end else if (tail != cur) begin
                        refetch <= 1'b1;
                        state <= S_FETCH;
                    end
                end
                S_FETCH: begin
                    if (abort_req) state <= S_ABORT;
                    else if (err_known) state <= S_WAITQ;  // an earlier descriptor failed
                    else if (addr_bad(cur, 1'b1)) begin
                        if (q_empty) halt(ERR_DESC);
                        else begin  // earlier descriptors complete first
                            end_code <= ERR_DESC;
                            state <= S_WAITQ;
                        end
                    end else if (fetch_rsp.gnt && !op_fetch_req) begin
                        was_tail <= cur == tail && !cfg.cyclic;
                        state <= S_FETCH_WAIT;
                    end
                end
                S_FETCH_WAIT: if (f_arrived) begin
                    // (a prefetched descriptor is consumed here)
                    if (abort_req) state <= S_ABORT;
                    else if (f_err) begin
                        if (q_empty) halt(ERR_FETCH);
                        else begin
                            end_code <= ERR_FETCH;
                            state <= S_WAITQ;
                        end
                    end else if (err_known) state <= S_WAITQ;
                    else if (refetch) begin
                        {cur_we, cur_src} = {1'b1, CUR_FETCHED};
                        cur_done <= 1'b0;
                        refetch <= 1'b0;
                        state <= S_FETCH;
                    end else if (op_wait) begin
                        // (the operand block works for another channel: wait for it)
                    end else begin  // f_take: it is the current descriptor now
                        {d_next, d_ctrl} <= {f_next, f_ctrl};  // (u_addr loads the rest)
                        d_multi <= HAS_OPS && f_multi;
                        d_fill <= f_src[7:0];
                        d_sum <= '0;
                        xferred <= '0;
                        xerr <= ERR_NONE;
                        eop <= skip;
                        if (desc_bad()) begin
                            xerr <= ERR_DESC;
                            // report it in the descriptor, then halt
                            state <= slave ? S_WB : S_RETIRE;
                        end else if (skip) begin
                            state <= S_WB;  // the transaction already ended: nothing to move
                        end else if (f_xt) begin
                            state <= S_XFETCH;  // 2D: its rows' set-up first
                        end else begin  // (an INTERRUPT has nothing to move)
                            state <= slave ? S_PACE : f_flags.len_zero ? S_RETIRE : S_ISSUE;
                        end
                    end
                end
                S_XFETCH: begin  // a 2D descriptor's second half
                    if (abort_req) state <= S_ABORT;
                    else if (err_known) state <= S_WAITQ;
                    else if (fetch_rsp.gnt && !op_fetch_req) state <= S_XFETCH_WAIT;
                end
                S_XFETCH_WAIT: if (fetch_rsp.done) begin
                    if (abort_req) state <= S_ABORT;
                    else if (fetch_rsp.err) begin  // as a first half that cannot be fetched
                        if (q_empty) halt(ERR_FETCH);
                        else begin
                            end_code <= ERR_FETCH;
                            state <= S_WAITQ;
                        end
                    end else if (err_known) state <= S_WAITQ;
                    else if (x_row_bad) begin
                        xerr <= ERR_DESC;
                        state <= slave ? S_WB : S_RETIRE;
                    end else state <= slave ? S_PACE : S_ISSUE;  // x_take
                end
                S_ISSUE: begin
                    if (abort_req) state <= S_ABORT;
                    else if (err_known) state <= S_WAITQ;  // an earlier one failed: drop this
                    else if (xerr != ERR_NONE || (cur_chunk_done && chunk.err != ERR_NONE)) begin
                        state <= S_RETIRE;  // stop issuing after an error
                    end else if (chunk_take && c_last) begin  // (u_addr steps to the next chunk)
                        state <= S_RETIRE;
                    end
                end
                S_RETIRE: begin
                    if (abort_req) state <= S_ABORT;
                    else if (err_known) state <= S_WAITQ;
                    else if (q_room) begin  // queued (q_push): go on, or wait at the end
                        if (xerr == ERR_NONE && !(cur_chunk_done && chunk.err != ERR_NONE)
                            && follow_next) begin
                            {cur_we, cur_src} = {1'b1, CUR_NEXT};
                            if (pf_on) begin
                                was_tail <= pf_next_was_tail;
                                state <= S_FETCH_WAIT;  // it arrives there, or already has
                            end else begin
                                state <= S_FETCH;
                            end
                        end else begin
                            state <= S_WAITQ;
                        end
                    end
                end
                S_WAITQ: begin
                    if (abort_req) state <= S_ABORT;
                    else if (waitq_done) begin  // (the queue and the prefetch drop theirs)
                        if (q_stop) begin
                            halt(stop_code);
                        end else if (end_code != ERR_NONE) begin
                            end_code <= ERR_NONE;
                            halt(end_code);
                        end else begin
                            next_descriptor();
                            if (follow_next) {cur_we, cur_src} = {1'b1, CUR_NEXT};
                        end
                    end
                end
                S_PACE: begin  // the request handshake moves the data
                    // (u_addr steps by the chunks of the requests)
                    if (hs_packet_end) begin  // the rest of the transaction is empty
                        eop <= 1'b1;
                        skip <= !d_ctrl[DCTRL_IOC_BIT];
                    end
                    if (hs_exit_abort) state <= S_ABORT;
                    else if (hs_exit_drain) state <= S_DRAIN;
                end
                S_DRAIN: if (drained) begin
                    if (abort_req) state <= S_ABORT;
                    else if (repeat_again) begin  // the frame ends, and it is still the tail:
                        frame_cnt <= frame_cnt + 1'b1;  // again, from its fetch (no write-back)
                        if (d_ctrl[DCTRL_IOC_BIT]) ioc_irq <= 1'b1;
                        xferred <= '0;
                        state <= S_FETCH;
                    end else state <= S_WB;
                end
                S_WB: begin
                    if (abort_req) state <= S_ABORT;
                    else if (wb_rsp.gnt) state <= S_WB_WAIT;
                end
                S_WB_WAIT: if (wb_rsp.done) begin
                    xferred <= '0;  // XFERRED now belongs to descriptor number DONE_CNT
                    if (wb_rsp.err) halt(ERR_WRITEBACK);
                    else begin
                        done_cnt <= done_cnt + 1'b1;
                        if (d_ctrl[DCTRL_IOC_BIT]) begin
                            ioc_irq <= 1'b1;
                            skip <= 1'b0;
                        end
                        if (xerr != ERR_NONE) halt(xerr);
                        else if (abort_req) state <= S_ABORT;
                        else begin
                            next_descriptor();
                            if (follow_next) {cur_we, cur_src} = {1'b1, CUR_NEXT};
                        end
                    end
                end
                S_ABORT: if (hs_finish) begin
                    // a request was partly served: finish its handshake before going idle
                    state <= S_PACE;
                end else if (abort_done) begin  // (queued descriptors are not written back)
                    abort_req <= 1'b0;
                    abort_irq <= 1'b1;
                    {end_code, c_left} <= '0;
                    doorbell <= 1'b0;
                    cur_done <= 1'b0;
                    skip <= 1'b0;
                    xferred <= '0;
                    state <= S_IDLE;
                end
                S_HALT: if (abort_req) begin
                    abort_req <= 1'b0;
                    abort_irq <= 1'b1;
                    err_code <= ERR_NONE;
                    doorbell <= 1'b0;
                    cur_done <= 1'b0;
                    skip <= 1'b0;
                    state <= S_IDLE;
                end
                default: state <= S_IDLE;
            endcase

            if (w_reset) begin
                state <= S_IDLE;
                fenced <= 1'b0;
                err_code <= ERR_NONE;
                {cur_we, cur_src} = {1'b1, CUR_CLEARED};
                cur_done <= 1'b0;
                doorbell <= 1'b0;
                done_cnt <= '0;
                frame_cnt <= '0;
                skip <= 1'b0;
                abort_req <= 1'b0;
                {end_code, c_left} <= '0;
            end
            if (cur_we) cur <= cur_src[1] ? (cur_src[0] ? '0 : ctl.cur) : (cur_src[0] ? f_next : d_next);
        end
    end
endmodule
