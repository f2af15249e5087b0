// Length of the next burst. INCR: what remains, at most MAX_BURST beats, and never across a
// 4 KiB boundary (AXI4 forbids it); `addr` is then bus-aligned. FIXED (a device FIFO
// register): at most 16 beats, the AXI4 limit for FIXED bursts.
module dma_burst_len #(
    parameter int NB_W = 14,
    parameter int MAX_BURST = 64,
    parameter int BW = 3  // log2 of the bus width in bytes
) (
    input  logic [11:0]     addr,
    input  logic            fixed,
    input  logic [NB_W-1:0] rem,
    output logic [NB_W-1:0] burst
);
    localparam int FIXED_MAX = (MAX_BURST < 16) ? MAX_BURST : 16;

    wire [12:0] to_4k = (13'd4096 - {1'b0, addr}) >> BW;

    always_comb begin
        burst = rem;
        if (fixed) begin
            if (burst > NB_W'(FIXED_MAX)) burst = NB_W'(FIXED_MAX);
        end else begin
            if (burst > NB_W'(MAX_BURST)) burst = NB_W'(MAX_BURST);
            if (burst > NB_W'(to_4k)) burst = NB_W'(to_4k);
        end
    end
endmodule
