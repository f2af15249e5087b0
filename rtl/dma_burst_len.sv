// Length of the next INCR burst: what remains, at most MAX_BURST beats, and never across a
// 4 KiB boundary (AXI4 forbids it). `addr` is bus-aligned.
module dma_burst_len #(
    parameter int NB_W = 14,
    parameter int MAX_BURST = 64,
    parameter int BW = 3  // log2 of the bus width in bytes
) (
    input  logic [11:0]     addr,
    input  logic [NB_W-1:0] rem,
    output logic [NB_W-1:0] burst
);
    wire [12:0] to_4k = (13'd4096 - {1'b0, addr}) >> BW;

    always_comb begin
        burst = rem;
        if (burst > NB_W'(MAX_BURST)) burst = NB_W'(MAX_BURST);
        if (burst > NB_W'(to_4k)) burst = NB_W'(to_4k);
    end
endmodule
