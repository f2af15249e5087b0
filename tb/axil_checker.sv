// AXI4-Lite protocol checker for the register port (simulation only; bound by
// tb/checkers_bind.sv). Master side: AW/W/AR stable and held until READY. Slave side (the
// DUT): B/R stable and held until READY, a B only for an accepted AW and W pair, an R only
// for an accepted AR. Counts violations like axi4_checker, with the same codes.
module axil_checker #(
    parameter int ADDR_W = 12,
    parameter string NAME = "s_axil"
) (
    input logic              clk,
    input logic              rst,
    input logic [ADDR_W-1:0] awaddr,
    input logic              awvalid,
    input logic              awready,
    input logic [31:0]       wdata,
    input logic [3:0]        wstrb,
    input logic              wvalid,
    input logic              wready,
    input logic [1:0]        bresp,
    input logic              bvalid,
    input logic              bready,
    input logic [ADDR_W-1:0] araddr,
    input logic              arvalid,
    input logic              arready,
    input logic [31:0]       rdata,
    input logic [1:0]        rresp,
    input logic              rvalid,
    input logic              rready
);
    // codes shared with axi4_checker (tb/protocol.py)
    localparam logic [7:0] V_AW_UNSTABLE = 8'd1, V_W_UNSTABLE = 8'd2, V_AR_UNSTABLE = 8'd3,
                           V_B_UNSTABLE = 8'd4, V_R_UNSTABLE = 8'd5, V_B_UNEXPECTED = 8'd13,
                           V_R_UNEXPECTED = 8'd15, V_RESET_VALID = 8'd17;

    int unsigned violations;  // never reset: tb/protocol.py compares against its baseline
    /* verilator lint_off UNUSEDSIGNAL */
    logic [7:0] code;         // read by tb/protocol.py
    /* verilator lint_on UNUSEDSIGNAL */

    initial begin
        violations = 0;
        code = 8'd0;
    end

    logic aw_wait, w_wait, ar_wait, b_wait, r_wait;
    logic [ADDR_W-1:0] aw_prev, ar_prev;
    logic [35:0] w_prev;
    logic [1:0] b_prev;
    logic [33:0] r_prev;
    int unsigned aws, ws, bs, ars, rs;  // handshakes since reset

    initial $timeformat(-9, 0, " ns", 0);

    task automatic flag(input logic [7:0] c, input string what);
        violations <= violations + 1;
        if (code == 0 || rst) code <= c;  // the first since reset: the cause, not a consequence
        $display("%0t AXI protocol violation on %s: %s", $realtime, NAME, what);
    endtask

    logic rst_q;  // rst at the previous edge
    always_ff @(posedge clk) rst_q <= rst;

    always_ff @(posedge clk) begin
        if (rst) begin
            code <= '0;
            // a synchronous reset clears VALID at its first edge: high at a later one is wrong
            if (rst_q && (bvalid || rvalid)) flag(V_RESET_VALID, "slave VALID held during reset");
            aw_wait <= 1'b0; w_wait <= 1'b0; ar_wait <= 1'b0; b_wait <= 1'b0; r_wait <= 1'b0;
            aws <= 0; ws <= 0; bs <= 0; ars <= 0; rs <= 0;
        end else if (awvalid || wvalid || arvalid || bvalid || rvalid || rst_q
                     || aw_wait || w_wait || ar_wait || b_wait || r_wait) begin
            // (with no VALID and nothing waiting, nothing below would change: skipped)
            if (rst_q && (bvalid || rvalid)) flag(V_RESET_VALID, "slave VALID in the first cycle after reset");
            if (aw_wait && (!awvalid || awaddr != aw_prev)) flag(V_AW_UNSTABLE, "AW changed or withdrawn before AWREADY");
            if (w_wait && (!wvalid || {wdata, wstrb} != w_prev)) flag(V_W_UNSTABLE, "W changed or withdrawn before WREADY");
            if (ar_wait && (!arvalid || araddr != ar_prev)) flag(V_AR_UNSTABLE, "AR changed or withdrawn before ARREADY");
            if (b_wait && (!bvalid || bresp != b_prev)) flag(V_B_UNSTABLE, "B changed or withdrawn before BREADY");
            if (r_wait && (!rvalid || {rdata, rresp} != r_prev)) flag(V_R_UNSTABLE, "R changed or withdrawn before RREADY");
            // a payload is kept only while it waits for READY (compared in the next cycle)
            aw_wait <= awvalid && !awready;
            w_wait <= wvalid && !wready;
            ar_wait <= arvalid && !arready;
            b_wait <= bvalid && !bready;
            r_wait <= rvalid && !rready;
            if (awvalid && !awready) aw_prev <= awaddr;
            if (wvalid && !wready) w_prev <= {wdata, wstrb};
            if (arvalid && !arready) ar_prev <= araddr;
            if (bvalid && !bready) b_prev <= bresp;
            if (rvalid && !rready) r_prev <= {rdata, rresp};
            // a response needs its request accepted in an earlier cycle (counts are registered)
            if (bvalid && !b_wait && (bs >= aws || bs >= ws))
                flag(V_B_UNEXPECTED, "B before its AW and W were accepted");
            if (rvalid && !r_wait && rs >= ars) flag(V_R_UNEXPECTED, "R before its AR was accepted");
            if (awvalid && awready) aws <= aws + 1;
            if (wvalid && wready) ws <= ws + 1;
            if (bvalid && bready) bs <= bs + 1;
            if (arvalid && arready) ars <= ars + 1;
            if (rvalid && rready) rs <= rs + 1;
        end
    end
endmodule
