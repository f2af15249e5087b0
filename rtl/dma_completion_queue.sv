// A channel's completion queue (memory copies). Once a descriptor's last chunk is issued it
// joins the queue, and the channel walks on to the next one while the queue counts the
// chunks' completions and writes the statuses back in order, oldest first. The data mover
// completes a channel's chunks in order, so a completion belongs to the oldest queued
// descriptor with chunks in flight, or else to the channel's current one (to_cur).
// A failure (a chunk's error, or a failed write-back) stops the queue: nothing behind it is
// written back, and the channel halts with stop_code once its bus traffic is over.
//
// The entries are a ring in distributed RAM (no reset, one write port per array); only the
// oldest entry with chunks in flight counts completions, in one accumulator, so there is one
// adder for the whole queue. An entry's accounts are in one of three places:
//   m_init  as pushed (chunks in flight behind the counting one, or none left at the push)
//   acc     while it counts completions (the oldest entry with chunks in flight)
//   m_fin   as the accumulator left them (fin), until written back
// Which slots are valid, still counting, failed or finished is in flip-flops, so nothing
// depends on a slot's RAM before it is written.
module dma_completion_queue
    import pydma_layout_pkg::*;
    import dma_types_pkg::*;
#(
    parameter type done_t = logic,  // a chunk's completion (pydma_dmac)
    parameter int ADDR_W = 32,
    parameter int DEPTH = 4,
    parameter int LEFT_W = 5   // chunks in flight (the channel's count, INFL_W)
) (
    input  logic              clk,
    input  logic              rst,
    input  logic              en,          // the channel is active: nothing changes otherwise
    // the channel's current descriptor, all chunks issued (the queue counts this cycle's
    // completion of it in)
    input  logic              push,
    input  cq_entry_t         push_entry,
    output logic              room,        // push may come (an entry frees this cycle too)
    // chunk completions of the channel
    input  logic              chunk_done,
    input  done_t             chunk,
    output logic              to_cur,      // a completion now would be the current one's
    // status write-back of the head
    input  logic              abort_req,   // writes nothing more
    output logic              wb_req,
    output logic              wb_sel,      // the write-back engine's request is the head's
    output logic [ADDR_W-1:0] wb_addr,
    output logic [63:0]       wb_data,
    input  logic              wb_gnt,
    input  logic              wb_done,
    input  logic              wb_err,
    output logic              retired,     // the head's status is written: DONE_CNT + 1
    output logic              retired_ioc, // ... and it asked for an interrupt
    // state, and what the channel's state machine clears when it stops
    output logic              empty,
    output logic              wb_busy,     // a write-back is on the bus
    output logic              err_known,   // a queued descriptor failed, or the head stopped
    output logic              stop,        // the head failed: halt with stop_code
    output dma_err_t          stop_code,
    output logic [31:0]       head_xferred,// XFERRED of the head (DONE_CNT's descriptor)
    input  logic              flush,       // drop every entry (not written back)
    input  logic              stop_ack,    // the halt for stop is taken
    input  logic              clear        // channel reset
);
    localparam int QD = DEPTH;
    localparam int QW = (QD > 1) ? $clog2(QD) : 1;

    typedef struct packed {
        logic [31:0] xfer;   // bytes moved
        dma_err_t    err;    // the first of its chunks' errors
        sum_check_t  sum;    // CHECK results, ORed over its chunks
    } res_t;
    typedef struct packed {
        logic [LEFT_W-1:0] left;  // chunks still in flight
        res_t        res;
    } cnt_t;

    function automatic logic [QW-1:0] inc(input logic [QW-1:0] p);
        return (p == QW'(QD - 1)) ? '0 : p + 1'b1;
    endfunction

    // storage (no reset: a slot is read only while valid, after its push wrote it)
    logic [ADDR_W-1:0] m_addr [QD];
    cnt_t              m_init [QD];
    res_t              m_fin  [QD];

    // per slot: valid, chunks in flight, failed, accounts in m_fin, interrupt
    logic [QD-1:0] q_valid, q_pend, q_errf, q_fin, q_ioc;
    logic [QW-1:0] hd, tl;       // the oldest entry, the next free slot
    logic          acc_on;       // an entry counts completions: acc_idx, its accounts acc
    logic [QW-1:0] acc_idx;
    cnt_t          acc;

    // the entry to count next when acc_idx's last chunk completes: the oldest one with
    // chunks in flight after it (none are older)
    logic          nxt_any;
    logic [QW-1:0] nxt;
    always_comb begin
        logic [QW-1:0] p;
        nxt_any = 1'b0;
        nxt = acc_idx;
        p = acc_idx;
        for (int i = 1; i < QD; i++) begin
            p = inc(p);
            if (!nxt_any && q_pend[p]) begin
                nxt_any = 1'b1;
                nxt = p;
            end
        end
    end

    // one completion counted into the accumulator, or (to_cur) into the entry being pushed:
    // never both, so they share the adders
    cnt_t raw, base, upd, pushed;
    assign raw = '{left: push_entry.left[LEFT_W-1:0], res: '{xfer: push_entry.xferred, err: push_entry.err, sum: push_entry.sum}};
    always_comb begin
        base = acc_on ? acc : raw;
        upd = base;
        if (chunk_done) begin
            upd.left = base.left - 1'b1;
            upd.res.sum = base.res.sum | chunk.sum;
            if (chunk.err == ERR_NONE) upd.res.xfer = base.res.xfer + 32'(chunk.bytes);
            else if (base.res.err == ERR_NONE) upd.res.err = chunk.err;
        end
        // the entry as it is queued: this cycle's completion counted in if it is the current one's
        pushed = acc_on ? raw : upd;
    end
    wire acc_count  = acc_on && chunk_done;
    wire acc_finish = acc_count && upd.left == 0;

    // the head's accounts
    res_t hd_res;
    always_comb begin
        if (q_pend[hd]) hd_res = acc.res;  // (an entry with chunks in flight is the oldest one)
        else if (q_fin[hd]) hd_res = m_fin[hd];
        else hd_res = m_init[hd].res;
    end

    wire pop = wb_busy && wb_done;
    assign to_cur       = !acc_on;
    assign err_known    = stop || (q_valid & q_errf) != '0;
    assign empty        = q_valid == '0;
    assign room         = !q_valid[tl] || pop;  // (a valid tail slot: the ring is full)
    assign wb_req       = q_valid[hd] && !q_pend[hd] && !wb_busy && !abort_req && !stop;
    assign wb_sel       = wb_req || wb_busy;
    assign wb_addr      = m_addr[hd] + ADDR_W'(DESC_STATUS_OFF);
    // (a failed descriptor's SUM_CHECK bits mean nothing: not reported)
    assign wb_data      = {hd_res.xfer, 22'd0, (hd_res.err == ERR_NONE) ? hd_res.sum : 2'b00, hd_res.err,
                           2'd0, 1'b0, 1'b1};
    assign retired      = pop && !wb_err;
    assign retired_ioc  = retired && q_ioc[hd];
    assign head_xferred = hd_res.xfer;

    always_ff @(posedge clk) begin
        if (en) begin
            if (push) begin
                m_addr[tl] <= push_entry.addr[ADDR_W-1:0];
                m_init[tl] <= pushed;
            end
            if (acc_finish) m_fin[acc_idx] <= upd.res;
        end
    end

    always_ff @(posedge clk) begin
        if (rst) begin
            {q_valid, q_pend, q_errf, q_fin, q_ioc, hd, tl, acc_on, acc_idx, acc} <= '0;
            {wb_busy, stop, stop_code} <= '0;
        end else if (en) begin
            logic [QD-1:0] nv, np, ne, nf;
            nv = q_valid;
            np = q_pend;
            ne = q_errf;
            nf = q_fin;
            if (acc_count) begin
                acc <= upd;
                ne[acc_idx] = upd.res.err != ERR_NONE;
                if (acc_finish) begin
                    np[acc_idx] = 1'b0;
                    nf[acc_idx] = 1'b1;
                    if (nxt_any) begin
                        acc_idx <= nxt;
                        acc <= m_init[nxt];
                    end else if (push && pushed.left != 0) begin  // (to_cur: none counted in)
                        acc_idx <= tl;
                        acc <= pushed;
                    end else begin
                        acc_on <= 1'b0;
                    end
                end
            end else if (!acc_on && push && pushed.left != 0) begin
                acc_on <= 1'b1;
                acc_idx <= tl;
                acc <= pushed;
            end
            if (wb_req && wb_gnt) wb_busy <= 1'b1;
            if (pop) begin
                wb_busy <= 1'b0;
                if (wb_err) begin
                    stop <= 1'b1;
                    stop_code <= ERR_WRITEBACK;
                end else if (hd_res.err != ERR_NONE) begin
                    stop <= 1'b1;
                    stop_code <= hd_res.err;
                end
                nv[hd] = 1'b0;
                hd <= inc(hd);
            end
            if (push) begin
                nv[tl] = 1'b1;
                np[tl] = pushed.left != 0;
                ne[tl] = pushed.res.err != ERR_NONE;
                nf[tl] = 1'b0;
                q_ioc[tl] <= push_entry.ioc;
                tl <= inc(tl);
            end
            q_valid <= nv;
            q_pend <= np;
            q_errf <= ne;
            q_fin <= nf;
            // the channel's state machine has the last word
            if (flush || clear) begin
                {q_valid, q_pend, hd, tl, acc_on} <= '0;
            end
            if (stop_ack) stop <= 1'b0;
            if (clear) {wb_busy, stop} <= '0;
        end
    end
endmodule
