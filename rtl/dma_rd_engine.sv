// Data read engine: turns chunk commands into AXI read bursts (INCR: at most MAX_BURST beats,
// never across 4 KiB; FIXED for a device FIFO register: at most 16 beats) as long as the read FIFO has room reserved for every beat in flight,
// so read data is never back-pressured and several bursts can be outstanding.
module dma_rd_engine
    import dma_types_pkg::*;
#(
    parameter type ax_t = logic,    // AR payload (pydma_dmac)
    parameter int ADDR_W = 32,
    parameter int DATA_W = 64,
    parameter int NB_W = 14,        // width of a beat count
    parameter int MAX_BURST = 64,
    parameter int FIFO_DEPTH = 128,
    localparam int BW = $clog2(DATA_W / 8)
) (
    input  logic              clk,
    input  logic              rst,
    input  logic              cmd_valid,
    output logic              cmd_ready,
    input  logic [ADDR_W-1:0] cmd_addr,   // bus-aligned, or the device register when fixed
    input  logic [NB_W-1:0]   cmd_beats,
    input  logic              cmd_fixed,
    input  axi_size_t         cmd_size,
    output logic              ar_valid,
    input  logic              ar_ready,
    output ax_t               ar,
    input  logic              beat_popped  // one beat left the read FIFO
);
    localparam int RW = $clog2(FIFO_DEPTH) + 1;

    logic              active;
    logic [ADDR_W-1:0] addr;
    logic [NB_W-1:0]   rem;
    logic [RW-1:0]     reserved;
    logic              fixed;
    axi_size_t         size;

    logic [NB_W-1:0] burst;
    dma_burst_len #(.NB_W(NB_W), .MAX_BURST(MAX_BURST), .BW(BW)) u_len (
        .addr(addr[11:0]), .fixed, .rem, .burst
    );

    wire issue = active && (!ar_valid || ar_ready)
              && (32'(reserved) + 32'(burst) <= FIFO_DEPTH);

    assign cmd_ready = !active;

    always_ff @(posedge clk) begin
        if (rst) begin
            active <= 1'b0;
            addr <= '0;
            rem <= '0;
            reserved <= '0;
            ar_valid <= 1'b0;
            ar <= '0;
            {fixed, size} <= '0;
        end else begin
            reserved <= reserved + (issue ? RW'(burst) : '0) - RW'(beat_popped);
            if (cmd_valid && cmd_ready) begin
                active <= 1'b1;
                addr <= cmd_addr;
                rem <= cmd_beats;
                fixed <= cmd_fixed;
                size <= cmd_size;
            end
            if (issue) begin
                ar_valid <= 1'b1;
                ar.addr <= addr;
                ar.len <= axi_len_t'(burst - 1'b1);
                ar.size <= size;
                ar.burst <= fixed ? AXI_BURST_FIXED : AXI_BURST_INCR;
                if (!fixed) addr <= addr + (ADDR_W'(burst) << BW);
                rem <= rem - burst;
                if (rem == burst) active <= 1'b0;
            end else if (ar_ready) begin
                ar_valid <= 1'b0;
            end
        end
    end
endmodule
