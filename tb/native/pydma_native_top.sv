// The controller with the native memory on its AXI master port (make sim MEM=native).
// Register port, request lines and interrupts are the controller's own; bursts outside the
// native memory region leave on x_axi_* for the Python models (peripheral registers).
//
// For speed the clock is not Python's: the simulation's main loop (tb/native/sim_main.cpp)
// toggles the clk input itself, so no VPI callback or put runs per clock edge. It runs the
// clock's value-change callbacks before it evaluates the edge, as for a clock written
// through VPI, so Python reads at RisingEdge(clk) what it would read with a cocotb Clock:
// the values from before the edge. Nothing here is sensitive to the falling edge, so the
// loop does not evaluate the design there unless Python changed an input.
//
// Request lines whose bit is set in dma_periph_lines (from Python) are served by the native
// peripheral models (native_periph.sv, native_periph.cpp): their requests are OR-ed with
// the Python-driven dma_breq/sreq/lreq, and the top's dma_ack/dma_tc outputs show only the
// other lines, so Python's request-line monitor never wakes for a native line.
// dma_periph_event toggles when a native device has events for Python.
module pydma_native_top #(
    parameter int NUM_CH = 4,
    parameter int DATA_W = 64,
    parameter int ADDR_W = 32,
    parameter int ID_W = 4,
    parameter int MAX_BURST = 64,
    parameter int CHUNK_BYTES = 4096,
    parameter int FIFO_DEPTH = 128,
    parameter int MAX_OUTSTANDING = 8,
    parameter int NUM_REQ = 8,
    parameter int MAX_XOR = 8,
    parameter int MAX_PQ = 8,
    parameter bit FILL = 1'b1,
    parameter int ACC_BYTES = 4096,
    parameter int AXIL_ADDR_W = 12,
    parameter int MEM_QDEPTH = 16,
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
    // pass-through to the Python models
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
    input  logic [NUM_REQ-1:0]     dma_periph_lines,  // lines of the native peripheral models
    output logic                   dma_periph_event,  // toggles: native peripheral events
    output logic [NUM_CH-1:0]      irq
);
    logic [NUM_REQ-1:0] core_ack, core_tc, n_breq, n_sreq, n_lreq;
    native_periph #(.NUM_REQ(NUM_REQ)) u_periph (
        .clk, .lines(dma_periph_lines), .ack(core_ack), .tc(core_tc),
        .breq(n_breq), .sreq(n_sreq), .lreq(n_lreq), .event_t(dma_periph_event)
    );
    assign dma_ack = core_ack & ~dma_periph_lines;
    assign dma_tc = core_tc & ~dma_periph_lines;

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

    pydma_dmac #(
        .NUM_CH(NUM_CH), .DATA_W(DATA_W), .ADDR_W(ADDR_W), .ID_W(ID_W), .MAX_BURST(MAX_BURST),
        .CHUNK_BYTES(CHUNK_BYTES), .FIFO_DEPTH(FIFO_DEPTH), .MAX_OUTSTANDING(MAX_OUTSTANDING),
        .NUM_REQ(NUM_REQ), .MAX_XOR(MAX_XOR), .MAX_PQ(MAX_PQ), .FILL(FILL), .ACC_BYTES(ACC_BYTES),
        .AXIL_ADDR_W(AXIL_ADDR_W)
    ) u_dmac (
        .clk, .rst,
        .s_axil_awaddr, .s_axil_awprot, .s_axil_awvalid, .s_axil_awready,
        .s_axil_wdata, .s_axil_wstrb, .s_axil_wvalid, .s_axil_wready,
        .s_axil_bresp, .s_axil_bvalid, .s_axil_bready,
        .s_axil_araddr, .s_axil_arprot, .s_axil_arvalid, .s_axil_arready,
        .s_axil_rdata, .s_axil_rresp, .s_axil_rvalid, .s_axil_rready,
        .m_axi_awid(awid), .m_axi_awaddr(awaddr), .m_axi_awlen(awlen), .m_axi_awsize(awsize),
        .m_axi_awburst(awburst), .m_axi_awlock(awlock), .m_axi_awcache(awcache),
        .m_axi_awprot(awprot), .m_axi_awvalid(awvalid), .m_axi_awready(awready),
        .m_axi_wdata(wdata), .m_axi_wstrb(wstrb), .m_axi_wlast(wlast), .m_axi_wvalid(wvalid),
        .m_axi_wready(wready),
        .m_axi_bid(bid), .m_axi_bresp(bresp), .m_axi_bvalid(bvalid), .m_axi_bready(bready),
        .m_axi_arid(arid), .m_axi_araddr(araddr), .m_axi_arlen(arlen), .m_axi_arsize(arsize),
        .m_axi_arburst(arburst), .m_axi_arlock(arlock), .m_axi_arcache(arcache),
        .m_axi_arprot(arprot), .m_axi_arvalid(arvalid), .m_axi_arready(arready),
        .m_axi_rid(rid), .m_axi_rdata(rdata), .m_axi_rresp(rresp), .m_axi_rlast(rlast),
        .m_axi_rvalid(rvalid), .m_axi_rready(rready),
        .dma_breq(dma_breq | n_breq), .dma_sreq(dma_sreq | n_sreq), .dma_lreq(dma_lreq | n_lreq),
        .dma_ack(core_ack), .dma_tc(core_tc), .irq
    );

    axi_native_mem #(.DATA_W(DATA_W), .ADDR_W(ADDR_W), .ID_W(ID_W), .QDEPTH(MEM_QDEPTH)) u_mem (
        .clk, .rst,
        .s_awid(awid), .s_awaddr(awaddr), .s_awlen(awlen), .s_awsize(awsize), .s_awburst(awburst),
        .s_awvalid(awvalid), .s_awready(awready),
        .s_wdata(wdata), .s_wstrb(wstrb), .s_wlast(wlast), .s_wvalid(wvalid), .s_wready(wready),
        .s_bid(bid), .s_bresp(bresp), .s_bvalid(bvalid), .s_bready(bready),
        .s_arid(arid), .s_araddr(araddr), .s_arlen(arlen), .s_arsize(arsize), .s_arburst(arburst),
        .s_arvalid(arvalid), .s_arready(arready),
        .s_rid(rid), .s_rdata(rdata), .s_rresp(rresp), .s_rlast(rlast), .s_rvalid(rvalid),
        .s_rready(rready),
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

    // fixed attributes of the controller (documented in docs/architecture.md)
    wire unused = ^{awlock, arlock, awcache, arcache, awprot, arprot};
endmodule
