// AXI4 protocol checker for one master port (simulation only; bound to the DUT by
// tb/checkers_bind.sv). It watches both sides and counts violations of the rules in the AXI4
// specification (IHI 0022) that a master or its slave can break:
//
//   master: AW/W/AR payload stable and VALID held from VALID until READY; WLAST on the last
//           beat of its burst (AW order, W may lead AW); legal AxBURST, AxSIZE within the
//           bus, FIXED at most 16 beats, WRAP of 2/4/8/16 aligned beats, INCR not crossing
//           a 4 KiB boundary; WSTRB only inside the beat's lanes (when the AW is not later
//           than its first W beat); VALID low from the first reset edge and just after.
//   slave:  B/R payload stable and VALID held until READY; every response for an
//           outstanding transaction of its ID, in order within an ID; RLAST on the last
//           beat of the burst; B only after the burst's last W beat.
//
// On a violation it prints one line and increments `violations`; `code` holds the first one
// since reset
// (tb/protocol.py turns it into a test failure with the same text).
module axi4_checker #(
    parameter int DATA_W = 64,
    parameter int ADDR_W = 32,
    parameter int ID_W = 4,
    parameter int DEPTH = 64,   // outstanding transactions tracked per ID and direction
    parameter string NAME = "m_axi"
) (
    input logic              clk,
    input logic              rst,
    input logic [ID_W-1:0]   awid,
    input logic [ADDR_W-1:0] awaddr,
    input logic [7:0]        awlen,
    input logic [2:0]        awsize,
    input logic [1:0]        awburst,
    input logic              awvalid,
    input logic              awready,
    input logic [DATA_W-1:0] wdata,
    input logic [DATA_W/8-1:0] wstrb,
    input logic              wlast,
    input logic              wvalid,
    input logic              wready,
    input logic [ID_W-1:0]   bid,
    input logic [1:0]        bresp,
    input logic              bvalid,
    input logic              bready,
    input logic [ID_W-1:0]   arid,
    input logic [ADDR_W-1:0] araddr,
    input logic [7:0]        arlen,
    input logic [2:0]        arsize,
    input logic [1:0]        arburst,
    input logic              arvalid,
    input logic              arready,
    input logic [ID_W-1:0]   rid,
    input logic [DATA_W-1:0] rdata,
    input logic [1:0]        rresp,
    input logic              rlast,
    input logic              rvalid,
    input logic              rready
);
    localparam int STRB_W = DATA_W / 8;
    localparam int NID = 1 << ID_W;
    localparam int PW = $clog2(DEPTH);
    localparam int BUS_LOG2 = $clog2(STRB_W);

    // violation codes, mirrored in tb/protocol.py
    typedef enum logic [7:0] {
        V_NONE, V_AW_UNSTABLE, V_W_UNSTABLE, V_AR_UNSTABLE, V_B_UNSTABLE, V_R_UNSTABLE,
        V_BURST_TYPE, V_SIZE, V_FIXED_LEN, V_WRAP, V_4K, V_WLAST, V_WSTRB, V_B_UNEXPECTED,
        V_B_EARLY, V_R_UNEXPECTED, V_RLAST, V_RESET_VALID, V_TRACKER_FULL
    } code_t;

    int unsigned violations;  // never reset: tb/protocol.py compares against its baseline
    /* verilator lint_off UNUSEDSIGNAL */
    code_t code;              // read by tb/protocol.py
    /* verilator lint_on UNUSEDSIGNAL */

    // ---- helpers -------------------------------------------------------------------------
    function automatic code_t addr_rule(input logic [ADDR_W-1:0] addr, input logic [7:0] len,
                                        input logic [2:0] size, input logic [1:0] burst);
        logic [12:0] first, span;
        if (burst == 2'b11) return V_BURST_TYPE;
        if (32'(size) > BUS_LOG2) return V_SIZE;
        if (burst == 2'b00 && len > 8'd15) return V_FIXED_LEN;
        if (burst == 2'b10) begin
            if (!(len inside {8'd1, 8'd3, 8'd7, 8'd15})) return V_WRAP;
            if ((addr & ((ADDR_W'(1) << size) - 1'b1)) != 0) return V_WRAP;
        end
        if (burst == 2'b01) begin
            first = {1'b0, addr[11:0] & ~((12'd1 << size) - 12'd1)};
            span = (13'(len) + 13'd1) << size;
            if (first + span > 13'd4096) return V_4K;
        end
        return V_NONE;
    endfunction

    // the byte lanes a beat may strobe: from its address to the end of its size container
    function automatic logic [STRB_W-1:0] beat_lanes(input logic [ADDR_W-1:0] start, input logic [2:0] size,
                                                    input logic [1:0] burst, input logic [8:0] beat);
        logic [ADDR_W-1:0] a, aligned;
        logic [STRB_W-1:0] lanes;
        int lo, hi;
        aligned = start & ~((ADDR_W'(1) << size) - 1'b1);
        if (burst == 2'b10) return '1;  // WRAP: not used by the DUT, lanes not followed
        a = (burst == 2'b00 || beat == 0) ? start : aligned + (ADDR_W'(beat) << size);
        // the lane: the address modulo the bus width, taken on the unsigned address (int'(a)
        // is negative from bit 31 up, and a negative remainder is no lane)
        lo = int'(a % ADDR_W'(STRB_W));
        hi = int'((a & ~((ADDR_W'(1) << size) - 1'b1)) % ADDR_W'(STRB_W)) + (1 << size) - 1;
        // lanes lo .. hi, capped at the top lane (a size wider than the bus is addr_rule's)
        lanes = STRB_W'(((STRB_W + 1)'(1) << (hi + 1)) - 1'b1) & ~((STRB_W'(1) << lo) - 1'b1);
        return lanes;
    endfunction

    initial $timeformat(-9, 0, " ns", 0);

    task automatic flag(input code_t c, input string what);
        violations <= violations + 1;
        if (code == V_NONE || rst) code <= c;  // the first since reset: the cause, not a consequence
        $display("%0t AXI protocol violation on %s: %s", $realtime, NAME, what);
    endtask

    // ---- stability: a payload offered with VALID stays, and so does VALID, until READY ----
    logic aw_wait, w_wait, ar_wait, b_wait, r_wait;
    logic [ID_W+ADDR_W+8+3+2-1:0] aw_prev, ar_prev;
    logic [DATA_W+STRB_W:0] w_prev;
    logic [ID_W+1:0] b_prev;
    logic [ID_W+DATA_W+2:0] r_prev;
    wire [ID_W+ADDR_W+8+3+2-1:0] aw_now = {awid, awaddr, awlen, awsize, awburst};
    wire [ID_W+ADDR_W+8+3+2-1:0] ar_now = {arid, araddr, arlen, arsize, arburst};
    wire [DATA_W+STRB_W:0] w_now = {wdata, wstrb, wlast};
    wire [ID_W+1:0] b_now = {bid, bresp};
    wire [ID_W+DATA_W+2:0] r_now = {rid, rdata, rresp, rlast};

    // ---- write bursts: AW lengths in order, W bursts counted as they end ------------------
    logic [7:0] awq_len [DEPTH];
    logic [ADDR_W-1:0] awq_addr [DEPTH];
    logic [2:0] awq_size [DEPTH];
    logic [1:0] awq_burst [DEPTH];
    logic [PW-1:0] awq_head, awq_tail;
    logic [PW:0] awq_count;            // AWs whose W burst has not ended
    logic [8:0] w_beats;               // beats of the current W burst
    logic [7:0] w_ahead_len [DEPTH];   // W bursts that ended before their AW
    logic [PW-1:0] wa_head, wa_tail;
    logic [PW:0] wa_count;
    logic [31:0] aw_seq, w_done_seq;   // AWs accepted, W bursts ended
    // per ID, the sequence numbers of AWs awaiting B, and the lengths of ARs awaiting R
    logic [31:0] bq [NID][DEPTH];
    logic [PW-1:0] bq_head [NID], bq_tail [NID];
    logic [PW:0] bq_count [NID];
    logic [7:0] rq [NID][DEPTH];
    logic [PW-1:0] rq_head [NID], rq_tail [NID];
    logic [PW:0] rq_count [NID];
    logic [8:0] r_beats [NID];

    initial begin
        violations = 0;
        code = V_NONE;
        for (int i = 0; i < NID; i++) begin
            bq_head[i] = '0; bq_tail[i] = '0; bq_count[i] = '0;
            rq_head[i] = '0; rq_tail[i] = '0; rq_count[i] = '0; r_beats[i] = '0;
        end
    end

    wire aw_hs = awvalid && awready;
    wire w_hs = wvalid && wready;
    // The AW a W beat belongs to: the oldest queued one, or one queued this very cycle (AW
    // and its first W beat may be accepted together). Without one, W leads its AW.
    wire aw_queued = aw_hs && wa_count == 0 && awq_count != (PW+1)'(DEPTH);
    wire w_has_aw = awq_count != 0 || aw_queued;
    wire [7:0] wh_len = awq_count != 0 ? awq_len[awq_head] : awlen;
    wire [ADDR_W-1:0] wh_addr = awq_count != 0 ? awq_addr[awq_head] : awaddr;
    wire [2:0] wh_size = awq_count != 0 ? awq_size[awq_head] : awsize;
    wire [1:0] wh_burst = awq_count != 0 ? awq_burst[awq_head] : awburst;
    wire w_burst_end = wlast || (w_has_aw && w_beats == 9'(wh_len));
    wire w_retires_aw = w_hs && w_has_aw && w_burst_end;
    wire b_hs = bvalid && bready;
    wire ar_hs = arvalid && arready;
    wire r_hs = rvalid && rready;
    // per-ID queue counts: an AW or AR adds to its ID's, a B or a read's last R takes away
    wire bq_inc = aw_hs && bq_count[awid] != (PW+1)'(DEPTH);
    wire bq_dec = b_hs && bq_count[bid] != 0;
    wire rq_inc = ar_hs && rq_count[arid] != (PW+1)'(DEPTH);
    wire rq_dec = r_hs && rq_count[rid] != 0 && (r_beats[rid] == 9'(rq[rid][rq_head[rid]]) || rlast);

    logic rst_q;  // rst at the previous edge
    always_ff @(posedge clk) rst_q <= rst;

    always_ff @(posedge clk) begin
        if (rst) begin
            code <= V_NONE;
            // a synchronous reset clears VALID at its first edge: high at a later one is wrong
            if (rst_q && (awvalid || wvalid || arvalid)) flag(V_RESET_VALID, "master VALID held during reset");
            aw_wait <= 1'b0; w_wait <= 1'b0; ar_wait <= 1'b0; b_wait <= 1'b0; r_wait <= 1'b0;
            awq_head <= '0; awq_tail <= '0; awq_count <= '0; w_beats <= '0;
            wa_head <= '0; wa_tail <= '0; wa_count <= '0; aw_seq <= '0; w_done_seq <= '0;
            for (int i = 0; i < NID; i++) begin
                bq_head[i] <= '0; bq_tail[i] <= '0; bq_count[i] <= '0;
                rq_head[i] <= '0; rq_tail[i] <= '0; rq_count[i] <= '0; r_beats[i] <= '0;
            end
        end else begin
            if (rst_q && (awvalid || wvalid || arvalid)) flag(V_RESET_VALID, "master VALID in the first cycle after reset");
            // stability
            // (nested: the payloads are compared only in a cycle that waits on one)
            if (aw_wait) if (!awvalid || aw_now != aw_prev) flag(V_AW_UNSTABLE, "AW changed or withdrawn before AWREADY");
            if (w_wait) if (!wvalid || w_now != w_prev) flag(V_W_UNSTABLE, "W changed or withdrawn before WREADY");
            if (ar_wait) if (!arvalid || ar_now != ar_prev) flag(V_AR_UNSTABLE, "AR changed or withdrawn before ARREADY");
            if (b_wait) if (!bvalid || b_now != b_prev) flag(V_B_UNSTABLE, "B changed or withdrawn before BREADY");
            if (r_wait) if (!rvalid || r_now != r_prev) flag(V_R_UNSTABLE, "R changed or withdrawn before RREADY");
            // a payload is kept only while it waits (copying the wide ones every cycle cost
            // the simulation more than all the checks)
            aw_wait <= awvalid && !awready; if (awvalid && !awready) aw_prev <= aw_now;
            w_wait <= wvalid && !wready;    if (wvalid && !wready) w_prev <= w_now;
            ar_wait <= arvalid && !arready; if (arvalid && !arready) ar_prev <= ar_now;
            b_wait <= bvalid && !bready;    if (bvalid && !bready) b_prev <= b_now;
            r_wait <= rvalid && !rready;    if (rvalid && !rready) r_prev <= r_now;

            // address rules
            if (aw_hs && addr_rule(awaddr, awlen, awsize, awburst) != V_NONE)
                flag(addr_rule(awaddr, awlen, awsize, awburst),
                     $sformatf("illegal write burst addr 0x%0h len %0d size %0d burst %0d", awaddr, awlen, awsize, awburst));
            if (ar_hs && addr_rule(araddr, arlen, arsize, arburst) != V_NONE)
                flag(addr_rule(araddr, arlen, arsize, arburst),
                     $sformatf("illegal read burst addr 0x%0h len %0d size %0d burst %0d", araddr, arlen, arsize, arburst));

            // W bursts against AW lengths (AXI4: no interleaving, W in AW order)
            if (aw_hs) begin
                if (awq_count == (PW+1)'(DEPTH)) flag(V_TRACKER_FULL, "checker: too many AWs outstanding");
                else if (wa_count != 0) begin
                    // this AW's W burst already ended: compare and retire it
                    if (w_ahead_len[wa_head] != awlen)
                        flag(V_WLAST, $sformatf("W burst of %0d beats for AWLEN %0d", 32'(w_ahead_len[wa_head]) + 1, awlen));
                    wa_head <= wa_head + 1'b1;
                end else begin
                    awq_len[awq_tail] <= awlen;
                    awq_addr[awq_tail] <= awaddr;
                    awq_size[awq_tail] <= awsize;
                    awq_burst[awq_tail] <= awburst;
                    awq_tail <= awq_tail + 1'b1;
                end
            end
            if (w_hs) begin
                if (w_has_aw) begin
                    if ((wstrb & ~beat_lanes(wh_addr, wh_size, wh_burst, w_beats)) != 0)
                        flag(V_WSTRB, $sformatf("WSTRB 0x%0h on beat %0d of a write at 0x%0h (size %0d) strobes lanes outside the transfer",
                             wstrb, w_beats + 1, wh_addr, 1 << wh_size));
                    if (wlast != (w_beats == 9'(wh_len)))
                        flag(V_WLAST, $sformatf("WLAST=%0d on beat %0d of a %0d-beat burst", wlast, w_beats + 1, 32'(wh_len) + 1));
                end else if (wlast) begin  // W ahead of its AW: remember the length
                    if (wa_count == (PW+1)'(DEPTH)) flag(V_TRACKER_FULL, "checker: too many W bursts ahead of AW");
                    else begin
                        w_ahead_len[wa_tail] <= w_beats[7:0];
                        wa_tail <= wa_tail + 1'b1;
                    end
                end
                w_beats <= w_burst_end ? 9'd0 : w_beats + 1'b1;
                if (wlast) w_done_seq <= w_done_seq + 1'b1;
            end
            if (w_retires_aw) awq_head <= awq_head + 1'b1;
            awq_count <= awq_count + (PW+1)'(aw_queued) - (PW+1)'(w_retires_aw);
            wa_count <= wa_count + (PW+1)'(w_hs && wlast && !w_has_aw && wa_count != (PW+1)'(DEPTH))
                      - (PW+1)'(aw_hs && wa_count != 0 && awq_count != (PW+1)'(DEPTH));

            // B: for the oldest AW of its ID, after that burst's last W beat
            if (aw_hs) begin
                if (bq_count[awid] == (PW+1)'(DEPTH)) flag(V_TRACKER_FULL, "checker: too many writes of one ID");
                else begin
                    bq[awid][bq_tail[awid]] <= aw_seq;
                    bq_tail[awid] <= bq_tail[awid] + 1'b1;
                end
                aw_seq <= aw_seq + 1'b1;
            end
            if (b_hs) begin
                if (bq_count[bid] == 0) flag(V_B_UNEXPECTED, $sformatf("B with BID %0d and no write of that ID outstanding", bid));
                else begin
                    if (bq[bid][bq_head[bid]] >= w_done_seq)
                        flag(V_B_EARLY, $sformatf("B for BID %0d before the last beat of its W burst", bid));
                    bq_head[bid] <= bq_head[bid] + 1'b1;
                end
            end
            // only the IDs that moved (a loop over all of them costs every simulated cycle)
            if (bq_inc && !(bq_dec && bid == awid)) bq_count[awid] <= bq_count[awid] + 1'b1;
            if (bq_dec && !(bq_inc && bid == awid)) bq_count[bid] <= bq_count[bid] - 1'b1;

            // R: beats of the oldest AR of their ID, RLAST on its last beat
            if (ar_hs) begin
                if (rq_count[arid] == (PW+1)'(DEPTH)) flag(V_TRACKER_FULL, "checker: too many reads of one ID");
                else begin
                    rq[arid][rq_tail[arid]] <= arlen;
                    rq_tail[arid] <= rq_tail[arid] + 1'b1;
                end
            end
            if (r_hs) begin
                if (rq_count[rid] == 0) flag(V_R_UNEXPECTED, $sformatf("R with RID %0d and no read of that ID outstanding", rid));
                else begin
                    if (rlast != (r_beats[rid] == 9'(rq[rid][rq_head[rid]])))
                        flag(V_RLAST, $sformatf("RLAST=%0d on beat %0d of a %0d-beat read (RID %0d)", rlast,
                             r_beats[rid] + 1, 32'(rq[rid][rq_head[rid]]) + 1, rid));
                    if (r_beats[rid] == 9'(rq[rid][rq_head[rid]]) || rlast) begin
                        rq_head[rid] <= rq_head[rid] + 1'b1;
                        r_beats[rid] <= '0;
                    end else r_beats[rid] <= r_beats[rid] + 1'b1;
                end
            end
            if (rq_inc && !(rq_dec && rid == arid)) rq_count[arid] <= rq_count[arid] + 1'b1;
            if (rq_dec && !(rq_inc && rid == arid)) rq_count[rid] <= rq_count[rid] - 1'b1;
        end
    end

endmodule
