// Round-robin arbiter: the grant starts searching one past the last winner, so every
// requester is served within N grants whatever the others do. A grant taken with `lock`
// set stays with its requester for as long as it requests (a group of chunk commands that
// must reach the data mover back to back).
module dma_rr_arb #(
    parameter int N = 4,
    localparam int IW = (N > 1) ? $clog2(N) : 1
) (
    input  logic          clk,
    input  logic          rst,
    input  logic [N-1:0]  req,
    input  logic          advance,  // the current grant was taken this cycle
    input  logic          lock,     // ... and the next one is its requester's again
    output logic          gnt_valid,
    output logic [IW-1:0] gnt_idx
);
    logic [IW-1:0] last;
    logic          held;  // the last grant was taken with lock

    always_comb begin
        gnt_valid = 1'b0;
        gnt_idx   = '0;
        if (held && req[last]) begin
            gnt_valid = 1'b1;
            gnt_idx   = last;
        end else if (req != '0) begin  // (no search without a request: a simulator skips it)
            for (int i = 1; i <= N; i++) begin
                automatic logic [IW:0] k = {1'b0, last} + (IW + 1)'(i);
                if (k >= (IW + 1)'(N)) k = k - (IW + 1)'(N);
                if (!gnt_valid && req[k[IW-1:0]]) begin
                    gnt_valid = 1'b1;
                    gnt_idx   = k[IW-1:0];
                end
            end
        end
    end

    always_ff @(posedge clk) begin
        if (rst) begin
            last <= IW'(N - 1);
            held <= 1'b0;
        end else if (advance && gnt_valid) begin
            last <= gnt_idx;
            held <= lock;
        end
    end
endmodule
