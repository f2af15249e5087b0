// Round-robin arbiter with a registered grant (the channels' chunk commands to the mover,
// their descriptor fetches and status write-backs): the grant is a register, so no path
// runs from one channel's request logic through the arbitration into another channel's
// ready (each channel's ready is its grant bit and the shared engine's ready). The next
// grant is chosen while the current one is used:
//   - the granted request is taken with lock set (a group of passes that must reach the
//     mover back to back): the grant stays;
//   - the granted channel requests and the engine cannot take it yet: the grant stays;
//   - otherwise the first requester after the granted channel, round robin, the granted
//     channel itself last; with none, the grant stays where it is (parked).
// A channel that keeps requesting alone keeps the grant and loses no cycle; channels
// requesting together alternate, one a clock; while the engine is busy the grant moves to a
// waiting requester. A channel that starts while the grant is parked on another, idle
// engine waits one cycle. Every requester is served within N grants.
module dma_rr_arb #(
    parameter int N = 4,
    localparam int IW = (N > 1) ? $clog2(N) : 1
) (
    input  logic          clk,
    input  logic          rst,
    input  logic [N-1:0]  req,      // each channel's request (valid)
    input  logic          ready,    // the engine takes the granted channel's request
    input  logic          lock,     // the granted request's next one is its channel's too
    output logic [IW-1:0] gnt_idx   // (a register)
);
    logic [IW-1:0] next;
    wire take = req[gnt_idx] && ready;  // the granted channel's request is taken

    always_comb begin
        next = gnt_idx;
        if (take ? !lock : !req[gnt_idx]) begin
            for (int i = N - 1; i >= 1; i--) begin  // the nearest after gnt_idx wins
                automatic logic [IW:0] k = {1'b0, gnt_idx} + (IW + 1)'(i);
                if (k >= (IW + 1)'(N)) k = k - (IW + 1)'(N);
                if (req[k[IW-1:0]]) next = k[IW-1:0];
            end
        end
    end

    always_ff @(posedge clk) begin
        if (rst) gnt_idx <= '0;
        else gnt_idx <= next;
    end
endmodule
