// Two controllers on the native memory (tb/native; tb.runner --mem native --devices 2): dma0
// (u_dma0: memcpy, slave and cyclic work, the request lines) and dma1 (u_dma1: memcpy, XOR,
// PQ and memset), each with its own register port (s_axil_*, s1_axil_*) and interrupt lines
// (irq, irq1). Each master port has its own axi_native_mem slave (PORT 0 and 1) on the one
// C++ store, so both see the same bytes; dma1's addresses go through axi_addr_offset first
// (bus address - DMA1_OFFSET: the memory sees CPU addresses). Bursts of dma0 outside memory
// leave on x_axi_* for the peripherals, as in pydma_native_top; dma1 has no pass-through.
// The clock comes from the main loop (tb/native/sim_main.cpp), as in pydma_native_top.
module pydma_native_dual_top #(
    parameter int NUM_CH = 4,
    parameter int DATA_W = 64,
    parameter int ADDR_W = 32,
    parameter int ID_W = 4,
    parameter int MAX_BURST = 64,
    parameter int CHUNK_BYTES = 4096,
    parameter int FIFO_DEPTH = 128,
    parameter int MAX_OUTSTANDING = 8,
    parameter int ACC_BYTES = 4096,
    parameter int AXIL_ADDR_W = 12,
    // dma0: memcpy, slave and cyclic work; the request lines are its
    parameter int NUM_REQ = 8,
    parameter int MAX_XOR = 0,
    parameter int MAX_PQ = 0,
    parameter bit FILL = 1'b0,
    // dma1: memcpy, XOR, PQ and memset; one request line, tied off
    parameter int MAX_XOR1 = 8,
    parameter int MAX_PQ1 = 8,
    parameter bit FILL1 = 1'b1,
    parameter int MEM_QDEPTH = 16,
    // dma1 sees memory at CPU address + DMA1_OFFSET (tb/runner.py DMA1_OFFSET: keep them equal)
    parameter logic [63:0] DMA1_OFFSET = (ADDR_W > 32) ? 64'h2_0000_0000 : 64'h2000_0000,
    localparam int STRB_W = DATA_W / 8
) (
    input  logic                   clk,  // from the main loop, never from Python
    input  logic                   rst,
    input  logic [AXIL_ADDR_W-1:0] s_axil_awaddr,
    input  logic [2:0]             s_axil_awprot,
    input  logic                   s_axil_awvalid,
    output logic                   s_axil_awready,
    input  logic [31:0]            s_axil_wdata,
    input  logic [3:0]             s_axil_wstrb,
    input  logic                   s_axil_wvalid,
    output logic                   s_axil_wready,
    output logic [1:0]             s_axil_bresp,
    output logic                   s_axil_bvalid,
    input  logic                   s_axil_bready,
    input  logic [AXIL_ADDR_W-1:0] s_axil_araddr,
    input  logic [2:0]             s_axil_arprot,
    input  logic                   s_axil_arvalid,
    output logic                   s_axil_arready,
    output logic [31:0]            s_axil_rdata,
    output logic [1:0]             s_axil_rresp,
    output logic                   s_axil_rvalid,
    input  logic                   s_axil_rready,
    input  logic [AXIL_ADDR_W-1:0] s1_axil_awaddr,
    input  logic [2:0]             s1_axil_awprot,
    input  logic                   s1_axil_awvalid,
    output logic                   s1_axil_awready,
    input  logic [31:0]            s1_axil_wdata,
    input  logic [3:0]             s1_axil_wstrb,
    input  logic                   s1_axil_wvalid,
    output logic                   s1_axil_wready,
    output logic [1:0]             s1_axil_bresp,
    output logic                   s1_axil_bvalid,
    input  logic                   s1_axil_bready,
    input  logic [AXIL_ADDR_W-1:0] s1_axil_araddr,
    input  logic [2:0]             s1_axil_arprot,
    input  logic                   s1_axil_arvalid,
    output logic                   s1_axil_arready,
    output logic [31:0]            s1_axil_rdata,
    output logic [1:0]             s1_axil_rresp,
    output logic                   s1_axil_rvalid,
    input  logic                   s1_axil_rready,
    // pass-through to the Python models (dma0's)
    output logic [ID_W-1:0]        x_axi_awid,
    output logic [ADDR_W-1:0]      x_axi_awaddr,
    output logic [7:0]             x_axi_awlen,
    output logic [2:0]             x_axi_awsize,
    output logic [1:0]             x_axi_awburst,
    output logic                   x_axi_awvalid,
    input  logic                   x_axi_awready,
    output logic [DATA_W-1:0]      x_axi_wdata,
    output logic [STRB_W-1:0]      x_axi_wstrb,
    output logic                   x_axi_wlast,
    output logic                   x_axi_wvalid,
    input  logic                   x_axi_wready,
    input  logic [ID_W-1:0]        x_axi_bid,
    input  logic [1:0]             x_axi_bresp,
    input  logic                   x_axi_bvalid,
    output logic                   x_axi_bready,
    output logic [ID_W-1:0]        x_axi_arid,
    output logic [ADDR_W-1:0]      x_axi_araddr,
    output logic [7:0]             x_axi_arlen,
    output logic [2:0]             x_axi_arsize,
    output logic [1:0]             x_axi_arburst,
    output logic                   x_axi_arvalid,
    input  logic                   x_axi_arready,
    input  logic [ID_W-1:0]        x_axi_rid,
    input  logic [DATA_W-1:0]      x_axi_rdata,
    input  logic [1:0]             x_axi_rresp,
    input  logic                   x_axi_rlast,
    input  logic                   x_axi_rvalid,
    output logic                   x_axi_rready,
    input  logic [NUM_REQ-1:0]     dma_breq,
    input  logic [NUM_REQ-1:0]     dma_sreq,
    input  logic [NUM_REQ-1:0]     dma_lreq,
    output logic [NUM_REQ-1:0]     dma_ack,
    output logic [NUM_REQ-1:0]     dma_tc,
    output logic [NUM_CH-1:0]      irq,
    output logic [NUM_CH-1:0]      irq1
);
    logic [ID_W-1:0]   awid, bid, arid, rid;
    logic [ADDR_W-1:0] awaddr, araddr;
    logic [7:0]        awlen, arlen;
    logic [2:0]        awsize, arsize, awprot, arprot;
    logic [1:0]        awburst, arburst, bresp, rresp;
    logic [3:0]        awcache, arcache;
    logic              awlock, arlock;
    logic              awvalid, awready, wlast, wvalid, wready, bvalid, bready;
    logic              arvalid, arready, rlast, rvalid, rready;
    logic [DATA_W-1:0] wdata, rdata;
    logic [STRB_W-1:0] wstrb;
    logic [ID_W-1:0]   d1_awid, d1_bid, d1_arid, d1_rid;
    logic [ADDR_W-1:0] d1_awaddr, d1_araddr;
    logic [7:0]        d1_awlen, d1_arlen;
    logic [2:0]        d1_awsize, d1_arsize, d1_awprot, d1_arprot;
    logic [1:0]        d1_awburst, d1_arburst, d1_bresp, d1_rresp;
    logic [3:0]        d1_awcache, d1_arcache;
    logic              d1_awlock, d1_arlock;
    logic              d1_awvalid, d1_awready, d1_wlast, d1_wvalid, d1_wready, d1_bvalid, d1_bready;
    logic              d1_arvalid, d1_arready, d1_rlast, d1_rvalid, d1_rready;
    logic [DATA_W-1:0] d1_wdata, d1_rdata;
    logic [STRB_W-1:0] d1_wstrb;
    logic [ADDR_W-1:0] d1_awaddr_cpu, d1_araddr_cpu;  // dma1's addresses, translated
    logic ack1, tc1;  // dma1's single request line, tied off
    logic [ID_W-1:0]   x1_awid, x1_arid;
    logic [ADDR_W-1:0] x1_awaddr, x1_araddr;
    logic [7:0]        x1_awlen, x1_arlen;
    logic [2:0]        x1_awsize, x1_arsize;
    logic [1:0]        x1_awburst, x1_arburst;
    logic              x1_awvalid, x1_wlast, x1_wvalid, x1_bready, x1_arvalid, x1_rready;
    logic [DATA_W-1:0] x1_wdata;
    logic [STRB_W-1:0] x1_wstrb;

    pydma_dmac #(
        .NUM_CH(NUM_CH), .DATA_W(DATA_W), .ADDR_W(ADDR_W), .ID_W(ID_W), .MAX_BURST(MAX_BURST),
        .CHUNK_BYTES(CHUNK_BYTES), .FIFO_DEPTH(FIFO_DEPTH), .MAX_OUTSTANDING(MAX_OUTSTANDING),
        .ACC_BYTES(ACC_BYTES), .AXIL_ADDR_W(AXIL_ADDR_W),
        .NUM_REQ(NUM_REQ), .MAX_XOR(MAX_XOR), .MAX_PQ(MAX_PQ), .FILL(FILL)
    ) u_dma0 (
        .clk, .rst,
        .s_axil_awaddr(s_axil_awaddr), .s_axil_awprot(s_axil_awprot), .s_axil_awvalid(s_axil_awvalid),
        .s_axil_awready(s_axil_awready), .s_axil_wdata(s_axil_wdata), .s_axil_wstrb(s_axil_wstrb),
        .s_axil_wvalid(s_axil_wvalid), .s_axil_wready(s_axil_wready), .s_axil_bresp(s_axil_bresp),
        .s_axil_bvalid(s_axil_bvalid), .s_axil_bready(s_axil_bready), .s_axil_araddr(s_axil_araddr),
        .s_axil_arprot(s_axil_arprot), .s_axil_arvalid(s_axil_arvalid), .s_axil_arready(s_axil_arready),
        .s_axil_rdata(s_axil_rdata), .s_axil_rresp(s_axil_rresp), .s_axil_rvalid(s_axil_rvalid),
        .s_axil_rready(s_axil_rready),
        .m_axi_awid(awid), .m_axi_awaddr(awaddr), .m_axi_awlen(awlen), .m_axi_awsize(awsize),
        .m_axi_awburst(awburst), .m_axi_awlock(awlock), .m_axi_awcache(awcache),
        .m_axi_awprot(awprot), .m_axi_awvalid(awvalid), .m_axi_awready(awready),
        .m_axi_wdata(wdata), .m_axi_wstrb(wstrb), .m_axi_wlast(wlast), .m_axi_wvalid(wvalid),
        .m_axi_wready(wready), .m_axi_bid(bid), .m_axi_bresp(bresp), .m_axi_bvalid(bvalid),
        .m_axi_bready(bready), .m_axi_arid(arid), .m_axi_araddr(araddr), .m_axi_arlen(arlen),
        .m_axi_arsize(arsize), .m_axi_arburst(arburst), .m_axi_arlock(arlock),
        .m_axi_arcache(arcache), .m_axi_arprot(arprot), .m_axi_arvalid(arvalid),
        .m_axi_arready(arready), .m_axi_rid(rid), .m_axi_rdata(rdata), .m_axi_rresp(rresp),
        .m_axi_rlast(rlast), .m_axi_rvalid(rvalid), .m_axi_rready(rready),
        .dma_breq, .dma_sreq, .dma_lreq, .dma_ack, .dma_tc, .irq
    );

    pydma_dmac #(
        .NUM_CH(NUM_CH), .DATA_W(DATA_W), .ADDR_W(ADDR_W), .ID_W(ID_W), .MAX_BURST(MAX_BURST),
        .CHUNK_BYTES(CHUNK_BYTES), .FIFO_DEPTH(FIFO_DEPTH), .MAX_OUTSTANDING(MAX_OUTSTANDING),
        .ACC_BYTES(ACC_BYTES), .AXIL_ADDR_W(AXIL_ADDR_W),
        .NUM_REQ(1), .MAX_XOR(MAX_XOR1), .MAX_PQ(MAX_PQ1), .FILL(FILL1)
    ) u_dma1 (
        .clk, .rst,
        .s_axil_awaddr(s1_axil_awaddr), .s_axil_awprot(s1_axil_awprot), .s_axil_awvalid(s1_axil_awvalid),
        .s_axil_awready(s1_axil_awready), .s_axil_wdata(s1_axil_wdata), .s_axil_wstrb(s1_axil_wstrb),
        .s_axil_wvalid(s1_axil_wvalid), .s_axil_wready(s1_axil_wready), .s_axil_bresp(s1_axil_bresp),
        .s_axil_bvalid(s1_axil_bvalid), .s_axil_bready(s1_axil_bready), .s_axil_araddr(s1_axil_araddr),
        .s_axil_arprot(s1_axil_arprot), .s_axil_arvalid(s1_axil_arvalid), .s_axil_arready(s1_axil_arready),
        .s_axil_rdata(s1_axil_rdata), .s_axil_rresp(s1_axil_rresp), .s_axil_rvalid(s1_axil_rvalid),
        .s_axil_rready(s1_axil_rready),
        .m_axi_awid(d1_awid), .m_axi_awaddr(d1_awaddr), .m_axi_awlen(d1_awlen),
        .m_axi_awsize(d1_awsize), .m_axi_awburst(d1_awburst), .m_axi_awlock(d1_awlock),
        .m_axi_awcache(d1_awcache), .m_axi_awprot(d1_awprot), .m_axi_awvalid(d1_awvalid),
        .m_axi_awready(d1_awready), .m_axi_wdata(d1_wdata), .m_axi_wstrb(d1_wstrb),
        .m_axi_wlast(d1_wlast), .m_axi_wvalid(d1_wvalid), .m_axi_wready(d1_wready),
        .m_axi_bid(d1_bid), .m_axi_bresp(d1_bresp), .m_axi_bvalid(d1_bvalid),
        .m_axi_bready(d1_bready), .m_axi_arid(d1_arid), .m_axi_araddr(d1_araddr),
        .m_axi_arlen(d1_arlen), .m_axi_arsize(d1_arsize), .m_axi_arburst(d1_arburst),
        .m_axi_arlock(d1_arlock), .m_axi_arcache(d1_arcache), .m_axi_arprot(d1_arprot),
        .m_axi_arvalid(d1_arvalid), .m_axi_arready(d1_arready), .m_axi_rid(d1_rid),
        .m_axi_rdata(d1_rdata), .m_axi_rresp(d1_rresp), .m_axi_rlast(d1_rlast),
        .m_axi_rvalid(d1_rvalid), .m_axi_rready(d1_rready),
        .dma_breq(1'b0), .dma_sreq(1'b0), .dma_lreq(1'b0), .dma_ack(ack1), .dma_tc(tc1), .irq(irq1)
    );

    axi_addr_offset #(.ADDR_W(ADDR_W), .OFFSET(DMA1_OFFSET)) u_dma1_offset (
        .s_awaddr(d1_awaddr), .s_araddr(d1_araddr), .m_awaddr(d1_awaddr_cpu), .m_araddr(d1_araddr_cpu)
    );

    axi_native_mem #(.PORT(0), .DATA_W(DATA_W), .ADDR_W(ADDR_W), .ID_W(ID_W), .QDEPTH(MEM_QDEPTH)) u_mem (
        .clk, .rst,
        .s_awid(awid), .s_awaddr(awaddr), .s_awlen(awlen), .s_awsize(awsize),
        .s_awburst(awburst), .s_awvalid(awvalid), .s_awready(awready),
        .s_wdata(wdata), .s_wstrb(wstrb), .s_wlast(wlast), .s_wvalid(wvalid),
        .s_wready(wready),
        .s_bid(bid), .s_bresp(bresp), .s_bvalid(bvalid), .s_bready(bready),
        .s_arid(arid), .s_araddr(araddr), .s_arlen(arlen), .s_arsize(arsize),
        .s_arburst(arburst), .s_arvalid(arvalid), .s_arready(arready),
        .s_rid(rid), .s_rdata(rdata), .s_rresp(rresp), .s_rlast(rlast),
        .s_rvalid(rvalid), .s_rready(rready),
        .x_awid(x_axi_awid), .x_awaddr(x_axi_awaddr), .x_awlen(x_axi_awlen),
        .x_awsize(x_axi_awsize), .x_awburst(x_axi_awburst), .x_awvalid(x_axi_awvalid),
        .x_awready(x_axi_awready),
        .x_wdata(x_axi_wdata), .x_wstrb(x_axi_wstrb), .x_wlast(x_axi_wlast),
        .x_wvalid(x_axi_wvalid), .x_wready(x_axi_wready),
        .x_bid(x_axi_bid), .x_bresp(x_axi_bresp), .x_bvalid(x_axi_bvalid), .x_bready(x_axi_bready),
        .x_arid(x_axi_arid), .x_araddr(x_axi_araddr), .x_arlen(x_axi_arlen),
        .x_arsize(x_axi_arsize), .x_arburst(x_axi_arburst), .x_arvalid(x_axi_arvalid),
        .x_arready(x_axi_arready),
        .x_rid(x_axi_rid), .x_rdata(x_axi_rdata), .x_rresp(x_axi_rresp), .x_rlast(x_axi_rlast),
        .x_rvalid(x_axi_rvalid), .x_rready(x_axi_rready)
    );

    axi_native_mem #(.PORT(1), .DATA_W(DATA_W), .ADDR_W(ADDR_W), .ID_W(ID_W), .QDEPTH(MEM_QDEPTH)) u_mem1 (
        .clk, .rst,
        .s_awid(d1_awid), .s_awaddr(d1_awaddr_cpu), .s_awlen(d1_awlen), .s_awsize(d1_awsize),
        .s_awburst(d1_awburst), .s_awvalid(d1_awvalid), .s_awready(d1_awready),
        .s_wdata(d1_wdata), .s_wstrb(d1_wstrb), .s_wlast(d1_wlast), .s_wvalid(d1_wvalid),
        .s_wready(d1_wready),
        .s_bid(d1_bid), .s_bresp(d1_bresp), .s_bvalid(d1_bvalid), .s_bready(d1_bready),
        .s_arid(d1_arid), .s_araddr(d1_araddr_cpu), .s_arlen(d1_arlen), .s_arsize(d1_arsize),
        .s_arburst(d1_arburst), .s_arvalid(d1_arvalid), .s_arready(d1_arready),
        .s_rid(d1_rid), .s_rdata(d1_rdata), .s_rresp(d1_rresp), .s_rlast(d1_rlast),
        .s_rvalid(d1_rvalid), .s_rready(d1_rready),
        // nothing behind dma1's pass-through: outside memory it answers SLVERR itself
        .x_awid(x1_awid), .x_awaddr(x1_awaddr), .x_awlen(x1_awlen), .x_awsize(x1_awsize),
        .x_awburst(x1_awburst), .x_awvalid(x1_awvalid), .x_awready(1'b0),
        .x_wdata(x1_wdata), .x_wstrb(x1_wstrb), .x_wlast(x1_wlast), .x_wvalid(x1_wvalid),
        .x_wready(1'b0),
        .x_bid('0), .x_bresp(2'b00), .x_bvalid(1'b0), .x_bready(x1_bready),
        .x_arid(x1_arid), .x_araddr(x1_araddr), .x_arlen(x1_arlen), .x_arsize(x1_arsize),
        .x_arburst(x1_arburst), .x_arvalid(x1_arvalid), .x_arready(1'b0),
        .x_rid('0), .x_rdata('0), .x_rresp(2'b00), .x_rlast(1'b0), .x_rvalid(1'b0),
        .x_rready(x1_rready)
    );

    // fixed attributes of the controllers (docs/architecture.md), dma1's unused pass-through
    wire unused = ^{awlock, arlock, awcache, arcache, awprot, arprot, d1_awlock, d1_arlock, d1_awcache,
                    d1_arcache, d1_awprot, d1_arprot, ack1, tc1, x1_awid, x1_arid, x1_awaddr, x1_araddr,
                    x1_awlen, x1_arlen, x1_awsize, x1_arsize, x1_awburst, x1_arburst, x1_awvalid,
                    x1_wlast, x1_wvalid, x1_bready, x1_arvalid, x1_rready, x1_wdata, x1_wstrb};
endmodule
