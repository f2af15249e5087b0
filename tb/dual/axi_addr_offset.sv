// The address translation in front of a controller's AXI master port: what a dma-ranges
// property describes to the kernel. The controller puts bus addresses on its port; the
// memory behind the adapter sees CPU addresses, bus address - OFFSET (modulo 2**ADDR_W).
// Only AW and AR carry addresses: the other channels pass by it. Combinational, no added
// cycle (a real interconnect would register it; a test here compares timing with the
// one-controller build).
module axi_addr_offset #(
    parameter int ADDR_W = 32,
    parameter logic [63:0] OFFSET = 64'h0
) (
    input  logic [ADDR_W-1:0] s_awaddr,  // from the controller (bus addresses)
    input  logic [ADDR_W-1:0] s_araddr,
    output logic [ADDR_W-1:0] m_awaddr,  // to the memory (CPU addresses)
    output logic [ADDR_W-1:0] m_araddr
);
    assign m_awaddr = s_awaddr - OFFSET[ADDR_W-1:0];
    assign m_araddr = s_araddr - OFFSET[ADDR_W-1:0];
endmodule
