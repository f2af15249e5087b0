// Round-robin arbiter: the grant starts searching one past the last winner, so every
// requester is served within N grants whatever the others do.
module dma_rr_arb #(
    parameter int N = 4,
    localparam int IW = (N > 1) ? $clog2(N) : 1
) (
    input  logic          clk,
    input  logic          rst,
    input  logic [N-1:0]  req,
    input  logic          advance,  // the current grant was taken this cycle
    output logic          gnt_valid,
    output logic [IW-1:0] gnt_idx
);
    logic [IW-1:0] last;

    always_comb begin
        gnt_valid = 1'b0;
        gnt_idx   = '0;
        if (req != '0) begin  // (no search without a request: a simulator skips it)
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
        if (rst) last <= IW'(N - 1);
        else if (advance && gnt_valid) last <= gnt_idx;
    end
endmodule
