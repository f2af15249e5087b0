// A channel's completion queue (memory copies). Once a descriptor's last chunk is issued it
// joins the queue, and the channel walks on to the next one while the queue counts the
// chunks' completions and writes the statuses back in order, oldest first. The data mover
// completes a channel's chunks in order, so a completion belongs to the oldest queued
// descriptor with chunks in flight, or else to the channel's current one (to_cur).
// A failure (a chunk's error, or a failed write-back) stops the queue: nothing behind it is
// written back, and the channel halts with stop_code once its bus traffic is over.
module dma_completion_queue
    import pydma_layout_pkg::*;
    import dma_types_pkg::*;
#(
    parameter type done_t = logic,  // a chunk's completion (pydma_dmac)
    parameter int ADDR_W = 32,
    parameter int DEPTH = 4
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

    // The entries are held field by field (an array of the packed entry would be copied
    // whole, every cycle, by a simulator's delayed assignment)
    logic [QD-1:0] q_valid;    // valid entries are 0 .. n-1
    logic [63:0]   q_addr [QD];
    logic [QD-1:0] q_ioc;
    logic [31:0]   q_left [QD];  // chunks still in flight
    logic [31:0]   q_xfer [QD];  // bytes moved
    dma_err_t      q_err [QD];
    sum_check_t    q_sum [QD];   // CHECK results, ORed over its chunks

    logic [QD-1:0] to_q;       // the entry a completion now belongs to
    logic          q_err_any;
    always_comb begin
        logic found;
        found = 1'b0;
        to_q = '0;
        q_err_any = 1'b0;
        if (q_valid != '0) begin  // (an idle channel's queue is empty: nothing to look at)
            for (int i = 0; i < QD; i++) begin
                to_q[i] = !found && q_valid[i] && q_left[i] != 0;
                found = found || to_q[i];
                q_err_any = q_err_any || (q_valid[i] && q_err[i] != ERR_NONE);
            end
        end
    end

    wire pop = wb_busy && wb_done;
    assign to_cur       = to_q == '0;
    assign err_known    = stop || q_err_any;
    assign empty        = q_valid == '0;
    assign room         = !q_valid[QD-1] || pop;
    assign wb_req       = q_valid[0] && q_left[0] == 0 && !wb_busy && !abort_req && !stop;
    assign wb_sel       = wb_req || wb_busy;
    assign wb_addr      = q_addr[0][ADDR_W-1:0] + ADDR_W'(DESC_STATUS_OFF);
    // (a failed descriptor's SUM_CHECK bits mean nothing: not reported)
    assign wb_data      = {q_xfer[0], 22'd0, (q_err[0] == ERR_NONE) ? q_sum[0] : 2'b00, q_err[0],
                           2'd0, 1'b0, 1'b1};
    assign retired      = pop && !wb_err;
    assign retired_ioc  = retired && q_ioc[0];
    assign head_xferred = q_xfer[0];

    always_ff @(posedge clk) begin
        if (rst) begin
            {q_valid, q_ioc, wb_busy, stop, stop_code} <= '0;
            for (int i = 0; i < QD; i++) begin
                q_addr[i] <= '0;
                q_left[i] <= '0;
                q_xfer[i] <= '0;
                q_err[i] <= ERR_NONE;
                q_sum[i] <= '0;
            end
        end else if (en) begin
            logic [QD-1:0] nv, ni;
            logic [63:0]   na [QD];
            logic [31:0]   nl [QD], nx [QD];
            dma_err_t      ne [QD];
            sum_check_t    ns [QD];
            nv = q_valid;
            ni = q_ioc;
            for (int i = 0; i < QD; i++) begin
                na[i] = q_addr[i];
                nl[i] = q_left[i];
                nx[i] = q_xfer[i];
                ne[i] = q_err[i];
                ns[i] = q_sum[i];
            end
            for (int i = 0; i < QD; i++) begin
                if (chunk_done && to_q[i]) begin
                    nl[i] = nl[i] - 32'd1;
                    ns[i] = ns[i] | chunk.sum;
                    if (chunk.err == ERR_NONE) nx[i] = nx[i] + 32'(chunk.bytes);
                    else if (ne[i] == ERR_NONE) ne[i] = chunk.err;
                end
            end
            if (wb_req && wb_gnt) wb_busy <= 1'b1;
            if (pop) begin
                wb_busy <= 1'b0;
                if (wb_err) begin
                    stop <= 1'b1;
                    stop_code <= ERR_WRITEBACK;
                end else if (q_err[0] != ERR_NONE) begin
                    stop <= 1'b1;
                    stop_code <= q_err[0];
                end
                // shift the queue
                nv = nv >> 1;
                ni = ni >> 1;
                for (int i = 0; i < QD - 1; i++) begin
                    na[i] = na[i + 1];
                    nl[i] = nl[i + 1];
                    nx[i] = nx[i + 1];
                    ne[i] = ne[i + 1];
                    ns[i] = ns[i + 1];
                end
            end
            if (push) begin
                logic [QW-1:0] k;  // the first free entry
                k = QW'(QD - 1);
                for (int i = QD - 1; i >= 0; i--) if (!nv[i]) k = QW'(i);
                nv[k] = 1'b1;
                na[k] = push_entry.addr;
                ni[k] = push_entry.ioc;
                // this cycle's completion of it counted in
                nl[k] = push_entry.left - 32'(chunk_done && to_cur);
                nx[k] = push_entry.xferred
                      + ((chunk_done && to_cur && chunk.err == ERR_NONE) ? 32'(chunk.bytes) : 32'd0);
                ne[k] = (push_entry.err != ERR_NONE) ? push_entry.err
                      : ((chunk_done && to_cur) ? chunk.err : ERR_NONE);
                ns[k] = push_entry.sum | ((chunk_done && to_cur) ? chunk.sum : '0);
            end
            q_valid <= nv;
            q_ioc <= ni;
            for (int i = 0; i < QD; i++) begin
                q_addr[i] <= na[i];
                q_left[i] <= nl[i];
                q_xfer[i] <= nx[i];
                q_err[i] <= ne[i];
                q_sum[i] <= ns[i];
            end
            // the channel's state machine has the last word
            if (flush) q_valid <= '0;
            if (stop_ack) stop <= 1'b0;
            if (clear) {q_valid, wb_busy, stop} <= '0;
        end
    end
endmodule
