// Joins the descriptor side (fetch + write-back, AXI ID 1) and the data mover (AXI ID 0)
// onto one AXI4 master. A choice of AR or AW source is held while VALID waits for READY, so
// the payload stays stable; W follows AW order; R and B are routed back by ID.
module dma_axi_mux #(
    parameter type ax_t = logic,   // AR/AW and W payloads (pydma_dmac)
    parameter type w_t = logic,
    parameter int ID_W = 4,
    parameter int MAX_WRITES = 16
) (
    input  logic              clk,
    input  logic              rst,
    // descriptor read (fetch)
    input  logic              d_ar_valid,
    output logic              d_ar_ready,
    input  ax_t               d_ar,
    output logic              d_r_valid,
    input  logic              d_r_ready,
    // data read
    input  logic              m_ar_valid,
    output logic              m_ar_ready,
    input  ax_t               m_ar,
    output logic              m_r_valid,
    input  logic              m_r_ready,
    // descriptor write (status write-back)
    input  logic              d_aw_valid,
    output logic              d_aw_ready,
    input  ax_t               d_aw,
    input  logic              d_w_valid,
    output logic              d_w_ready,
    input  w_t                d_w,
    output logic              d_b_valid,
    input  logic              d_b_ready,
    // data write
    input  logic              m_aw_valid,
    output logic              m_aw_ready,
    input  ax_t               m_aw,
    input  logic              m_w_valid,
    output logic              m_w_ready,
    input  w_t                m_w,
    output logic              m_b_valid,
    input  logic              m_b_ready,
    // AXI4 master (payloads flattened onto its ports in pydma_dmac)
    output logic [ID_W-1:0]   axi_arid,
    output ax_t               axi_ar,
    output logic              axi_arvalid,
    input  logic              axi_arready,
    input  logic [ID_W-1:0]   axi_rid,
    input  logic              axi_rvalid,
    output logic              axi_rready,
    output logic [ID_W-1:0]   axi_awid,
    output ax_t               axi_aw,
    output logic              axi_awvalid,
    input  logic              axi_awready,
    output w_t                axi_w,
    output logic              axi_wvalid,
    input  logic              axi_wready,
    input  logic [ID_W-1:0]   axi_bid,
    input  logic              axi_bvalid,
    output logic              axi_bready
);
    // ---- AR: alternate when both wait; hold the choice until accepted ----------------------
    logic ar_pick_d, ar_hold, ar_last_d;
    wire  ar_sel_d = ar_hold ? ar_pick_d : (d_ar_valid && (!m_ar_valid || !ar_last_d));

    assign axi_arvalid = ar_sel_d ? d_ar_valid : m_ar_valid;
    assign axi_ar      = ar_sel_d ? d_ar : m_ar;
    assign axi_arid    = ID_W'(ar_sel_d);
    assign d_ar_ready  = ar_sel_d && axi_arready;
    assign m_ar_ready  = !ar_sel_d && axi_arready;

    always_ff @(posedge clk) begin
        if (rst) begin
            ar_hold <= 1'b0;
            ar_pick_d <= 1'b0;
            ar_last_d <= 1'b0;
        end else begin
            ar_hold <= axi_arvalid && !axi_arready;
            ar_pick_d <= ar_sel_d;
            if (axi_arvalid && axi_arready) ar_last_d <= ar_sel_d;
        end
    end

    wire r_is_d = axi_rid == ID_W'(1);
    assign d_r_valid  = axi_rvalid && r_is_d;
    assign m_r_valid  = axi_rvalid && !r_is_d;
    assign axi_rready = r_is_d ? d_r_ready : m_r_ready;

    // ---- AW ----------------------------------------------------------------------------------
    logic aw_pick_d, aw_hold, aw_last_d;
    logic own_ready, own_valid, own_d;
    wire  aw_sel_d = aw_hold ? aw_pick_d : (d_aw_valid && (!m_aw_valid || !aw_last_d));
    wire  aw_src_valid = aw_sel_d ? d_aw_valid : m_aw_valid;

    assign axi_awvalid = aw_src_valid && own_ready;
    assign axi_aw      = aw_sel_d ? d_aw : m_aw;
    assign axi_awid    = ID_W'(aw_sel_d);
    assign d_aw_ready  = aw_sel_d && axi_awready && own_ready;
    assign m_aw_ready  = !aw_sel_d && axi_awready && own_ready;

    always_ff @(posedge clk) begin
        if (rst) begin
            aw_hold <= 1'b0;
            aw_pick_d <= 1'b0;
            aw_last_d <= 1'b0;
        end else begin
            aw_hold <= axi_awvalid && !axi_awready;
            aw_pick_d <= aw_sel_d;
            if (axi_awvalid && axi_awready) aw_last_d <= aw_sel_d;
        end
    end

    // which source owns each accepted AW, so W beats go out in AW order
    wire w_done = axi_wvalid && axi_wready && axi_w.last;
    dma_fifo #(.WIDTH(1), .DEPTH(MAX_WRITES)) u_owner (
        .clk, .rst, .in_valid(axi_awvalid && axi_awready), .in_ready(own_ready),
        .in_data(aw_sel_d), .out_valid(own_valid), .out_ready(w_done), .out_data(own_d)
    );

    assign axi_wvalid = own_valid && (own_d ? d_w_valid : m_w_valid);
    assign axi_w      = own_d ? d_w : m_w;
    assign d_w_ready  = own_valid && own_d && axi_wready;
    assign m_w_ready  = own_valid && !own_d && axi_wready;

    wire b_is_d = axi_bid == ID_W'(1);
    assign d_b_valid  = axi_bvalid && b_is_d;
    assign m_b_valid  = axi_bvalid && !b_is_d;
    assign axi_bready = b_is_d ? d_b_ready : m_b_ready;
endmodule
