// Data write engine. An AW burst is issued once CUT_THROUGH of its beats (all of a shorter
// burst) are waiting in the write FIFO; the rest follow on W as the reads deliver them (the
// read side reserves FIFO room for every burst it requests, so they always come). Write
// responses are counted per chunk; the last one reports the chunk done, with READ if any
// of its source beats had a read error (those beats are written with no byte strobes, so
// nothing wrong lands in memory) or WRITE if any write response was an error.
//
// Write barrier: a channel runs ahead (it reads the next descriptors' data while earlier
// ones finish), and its AWs go out as soon as their beats are buffered, but the W beats of
// a later descriptor's burst wait until every burst of an older descriptor of its channel
// has been acknowledged (counted here per channel, so the wait ends in the cycle after the
// last B; an error in it raises the channel's kill in that same cycle). Issuing the AW early
// takes the address round trip out of the barrier. While a channel stops (kill: an error or
// an abort) its chunks are not written: a burst whose AW has not gone is dropped (its beats
// leave the FIFO without a bus cycle), and one whose AW is on the bus but whose W has not
// started is written with no byte strobes, and so is the rest of its chunk (AXI cannot take
// an AW back). Either way the chunk reports 0 bytes, and nothing behind a failure lands.
//
// A nop command (a CHECK pass) is one beat that is never put on the bus: it leaves the FIFO
// like a dropped burst, and completes in order behind the writes before it with its
// length, READ if the beat carries an error (then no SUM_CHECK), else the beat's two low
// bits as SUM_CHECK.
module dma_wr_engine
    import pydma_layout_pkg::*;
    import dma_types_pkg::*;
#(
    parameter type ax_t = logic,     // AW payload (pydma_dmac)
    parameter type w_t = logic,      // W payload
    parameter int NUM_CH = 4,
    parameter int ADDR_W = 32,
    parameter int DATA_W = 64,
    parameter int NB_W = 14,
    parameter int CL_W = 13,
    parameter int MAX_BURST = 64,
    parameter int FIFO_DEPTH = 128,
    parameter int MAX_OUTSTANDING = 8,
    // a burst's AW goes once this many of its beats are buffered (all of a shorter burst):
    // the rest follow on W as they arrive, so a copy's last burst does not wait to be
    // buffered whole (store and forward would cost one burst at the end of every copy)
    parameter int CUT_THROUGH = 2,
    localparam int B = DATA_W / 8,
    localparam int BW = $clog2(B),
    localparam int CW = (NUM_CH > 1) ? $clog2(NUM_CH) : 1
) (
    input  logic              clk,
    input  logic              rst,
    input  logic              cmd_valid,
    output logic              cmd_ready,
    input  logic [CW-1:0]     cmd_ch,
    input  logic [ADDR_W-1:0] cmd_addr,   // bus-aligned, or the device register when fixed
    input  logic [NB_W-1:0]   cmd_beats,
    input  logic              cmd_fixed,
    input  axi_size_t         cmd_size,
    input  logic [CL_W-1:0]   cmd_len,
    input  desc_seq_t         cmd_seq,     // the chunk's descriptor, per channel (mod 4)
    input  logic              cmd_nop,     // one beat, not written: a CHECK's verdict
    input  logic [NUM_CH-1:0] kill,        // drop the channel's chunks not yet on the bus
    input  logic              beat_pushed, // one beat entered the write FIFO
    input  logic              fifo_valid,
    output logic              fifo_pop,
    input  logic [DATA_W-1:0] fifo_data,
    input  logic [B-1:0]      fifo_strb,
    input  logic              fifo_err,
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
    output logic [3:0]        done_err,
    output logic [CL_W-1:0]   done_bytes,
    output sum_check_t        done_sum
);
    localparam int AVW = $clog2(FIFO_DEPTH) + 1;

    // ---- AW: one burst at a time, once CUT_THROUGH of its beats are buffered ---------------
    logic              active;
    logic [ADDR_W-1:0] addr;
    logic [NB_W-1:0]   rem;
    logic [CW-1:0]     ch;
    logic [CL_W-1:0]   len;
    // buffered beats not yet claimed by an AW; negative while an issued burst still waits for
    // some of its beats (the next AW then waits for them and CUT_THROUGH more)
    logic signed [AVW:0] avail;
    logic              fixed;
    axi_size_t         size;
    logic [1:0]        seq;
    logic              nop;

    logic [NB_W-1:0] burst;
    dma_burst_len #(.NB_W(NB_W), .MAX_BURST(MAX_BURST), .BW(BW)) u_len (
        .addr(addr[11:0]), .fixed, .rem, .burst
    );

    logic wq_ready, bq_ready;
    wire last_burst = rem == burst;
    wire [NB_W-1:0] need = (32'(burst) < CUT_THROUGH) ? burst : NB_W'(CUT_THROUGH);
    wire drop = kill[ch];
    wire issue = active && (!aw_valid || aw_ready) && wq_ready && bq_ready
              && int'(avail) >= int'(need);

    assign cmd_ready = !active;

    always_ff @(posedge clk) begin
        if (rst) begin
            active <= 1'b0;
            {addr, rem, ch, len, avail} <= '0;
            aw_valid <= 1'b0;
            aw <= '0;
            {fixed, size, seq, nop} <= '0;
        end else begin
            avail <= avail + (AVW + 1)'(beat_pushed) - (issue ? (AVW + 1)'(burst) : '0);
            if (cmd_valid && cmd_ready) begin
                active <= 1'b1;
                addr <= cmd_addr;
                rem <= cmd_beats;
                ch <= cmd_ch;
                len <= cmd_len;
                fixed <= cmd_fixed;
                size <= cmd_size;
                seq <= cmd_seq;
                nop <= cmd_nop;
            end
            if (issue) begin
                aw_valid <= !drop && !nop;
                aw.addr <= addr;
                aw.len <= axi_len_t'(burst - 1'b1);
                aw.size <= size;
                aw.burst <= fixed ? AXI_BURST_FIXED : AXI_BURST_INCR;
                if (!fixed) addr <= addr + (ADDR_W'(burst) << BW);
                rem <= rem - burst;
                if (last_burst) active <= 1'b0;
            end else if (aw_ready) begin
                aw_valid <= 1'b0;
            end
        end
    end

    // ---- W: bursts in AW order ---------------------------------------------------------------
    logic          wq_valid, wq_pop, wq_chunk_last, wq_drop;
    logic [7:0]    wq_len, beat;
    logic [CW-1:0] wq_ch;
    logic [1:0]    wq_seq;
    logic          rd_err_acc;
    logic          eq_ready, eq_valid, eq_pop, eq_err, eq_null;
    sum_check_t    eq_sum;

    dma_fifo #(.WIDTH(12 + CW), .DEPTH(MAX_OUTSTANDING)) u_wq (
        .clk, .rst, .in_valid(issue), .in_ready(wq_ready),
        .in_data({drop || nop, last_burst, ch, seq, 8'(burst - 1'b1)}),
        .out_valid(wq_valid), .out_ready(wq_pop),
        .out_data({wq_drop, wq_chunk_last, wq_ch, wq_seq, wq_len})
    );

    // the barrier's per-channel count of bursts whose W has started and whose B has not come
    localparam int OCW = $clog2(MAX_OUTSTANDING + 1);
    logic [OCW-1:0] out_cnt [NUM_CH];  // (W goes in AW order, so these are a prefix) ...
    logic [1:0]     out_seq [NUM_CH];  // ... the last of which belongs to this descriptor
    wire w_first = beat == '0;
    wire w_held  = w_first && out_cnt[wq_ch] != '0 && out_seq[wq_ch] != wq_seq;

    // strobes off for a chunk whose channel stopped before its burst started; decided at the
    // first beat and kept while that beat waits for WREADY (the payload must not change)
    logic null_q, w_wait_q, w_null_q;
    wire w_null = !w_first ? null_q : w_wait_q ? w_null_q : (null_q || kill[wq_ch]);

    // a dropped burst's beats leave the FIFO without a bus cycle
    assign w_valid  = wq_valid && fifo_valid && !wq_drop && !w_held;
    wire w_last = beat == wq_len;
    assign w.data   = fifo_data;
    assign w.strb   = (fifo_err || w_null) ? '0 : fifo_strb;
    assign w.last   = w_last;
    assign fifo_pop = (w_valid && w_ready) || (wq_valid && wq_drop && fifo_valid);
    assign wq_pop   = fifo_pop && w_last;

    wire chunk_w_end = wq_pop && wq_chunk_last;
    wire w_start = w_valid && w_ready && w_first;

    always_ff @(posedge clk) begin
        if (rst) begin
            beat <= '0;
            rd_err_acc <= 1'b0;
            null_q <= 1'b0;
            w_wait_q <= 1'b0;
            w_null_q <= 1'b0;
        end else begin
            w_wait_q <= w_valid && !w_ready;
            w_null_q <= w_null;
            if (fifo_pop) begin
                beat <= w_last ? '0 : beat + 1'b1;
                rd_err_acc <= chunk_w_end ? 1'b0 : (rd_err_acc || fifo_err);
                null_q <= !chunk_w_end && (wq_drop ? null_q : w_null);
            end
        end
    end

    // per-chunk read-error and written-without-strobes flags, from the W side to the B side
    // (and a CHECK's verdict: the two low bits of its one beat)
    dma_fifo #(.WIDTH(4), .DEPTH(MAX_OUTSTANDING)) u_eq (
        .clk, .rst, .in_valid(chunk_w_end), .in_ready(eq_ready),
        .in_data({rd_err_acc || fifo_err, w_null && !wq_drop, fifo_data[1:0]}),
        .out_valid(eq_valid), .out_ready(eq_pop), .out_data({eq_err, eq_null, eq_sum})
    );

    // ---- B: responses in AW order ------------------------------------------------------------
    logic          bq_valid, bq_chunk_last, bq_drop, bq_nop;
    logic [CW-1:0] bq_ch;
    logic [CL_W-1:0] bq_len;
    logic          wr_err_acc;

    // a dropped burst or a nop has no B: it retires once its beats have left the FIFO
    wire b_take = bq_valid && !bq_drop && !bq_nop && b_valid && b_ready;
    wire drop_take = bq_valid && (bq_drop || bq_nop) && (!bq_chunk_last || eq_valid);
    wire retire = b_take || drop_take;

    dma_fifo #(.WIDTH(3 + CW + CL_W), .DEPTH(MAX_OUTSTANDING)) u_bq (
        .clk, .rst, .in_valid(issue), .in_ready(bq_ready),
        .in_data({drop, nop, last_burst, ch, len}),
        .out_valid(bq_valid), .out_ready(retire),
        .out_data({bq_drop, bq_nop, bq_chunk_last, bq_ch, bq_len})
    );

    assign b_ready = bq_valid && !bq_drop && !bq_nop && (!bq_chunk_last || eq_valid);
    assign eq_pop  = retire && bq_chunk_last;

    always_ff @(posedge clk) begin
        done_valid <= 1'b0;
        if (rst) begin
            wr_err_acc <= 1'b0;
            done_ch <= '0;
            done_err <= '0;
            done_bytes <= '0;
            done_sum <= '0;
        end else if (retire) begin
            if (bq_chunk_last) begin
                done_valid <= 1'b1;
                done_ch <= bq_ch;
                done_sum <= (bq_nop && !bq_drop && !eq_err) ? eq_sum : '0;
                done_bytes <= (bq_drop || eq_null) ? '0 : bq_len;
                done_err <= (bq_drop || eq_null) ? ERR_NONE
                          : eq_err ? ERR_READ
                          : (wr_err_acc || (b_err && !bq_nop)) ? ERR_WRITE : ERR_NONE;
                wr_err_acc <= 1'b0;
            end else begin
                wr_err_acc <= wr_err_acc || (b_take && b_err);
            end
        end
    end

    wire unused = eq_ready;  // never needed: each eq entry's burst is in bq (as deep) before it
    // ---- the barrier's counts: a burst counts from its first W beat to its B -----------------
    always_ff @(posedge clk) begin
        for (int c = 0; c < NUM_CH; c++) begin
            if (rst) begin
                out_cnt[c] <= '0;
                out_seq[c] <= '0;
            end else begin
                out_cnt[c] <= out_cnt[c] + OCW'(w_start && wq_ch == CW'(c)) - OCW'(b_take && bq_ch == CW'(c));
                if (w_start && wq_ch == CW'(c)) out_seq[c] <= wq_seq;
            end
        end
    end
endmodule
