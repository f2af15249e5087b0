// The bus trace recorder (tb/bus_trace.sv) in every controller of every simulation; it writes
// only with +pydma_trace=<dir> (make ... TRACE=1). Nothing in rtl/ depends on it: the
// ownership signals are read from inside the instance, as a waveform viewer would.
bind pydma_dmac bus_trace #(
    .NUM_CH(NUM_CH), .NUM_REQ(NUM_REQ), .DATA_W(DATA_W), .ADDR_W(ADDR_W), .ID_W(ID_W)
) u_bus_trace (
    .clk(clk), .rst(rst),
    .awid(m_axi_awid), .awaddr(m_axi_awaddr), .awlen(m_axi_awlen), .awvalid(m_axi_awvalid),
    .awready(m_axi_awready), .wlast(m_axi_wlast), .wvalid(m_axi_wvalid), .wready(m_axi_wready),
    .bid(m_axi_bid), .bresp(m_axi_bresp), .bvalid(m_axi_bvalid), .bready(m_axi_bready),
    .arid(m_axi_arid), .araddr(m_axi_araddr), .arlen(m_axi_arlen), .arvalid(m_axi_arvalid),
    .arready(m_axi_arready), .rid(m_axi_rid), .rresp(m_axi_rresp), .rlast(m_axi_rlast),
    .rvalid(m_axi_rvalid), .rready(m_axi_rready),
    // the beats the read engine will work out from its command FIFO (dma_mover's rd_beats)
    .rd_push(u_mover.push_rd), .rd_push_ch(cmd_arb_idx),
    .rd_push_beats(16'(u_mover.sel.fixed_src ? 32'(u_mover.sel.len) >> u_mover.sel.size
        : (32'(u_mover.s_lane) + 32'(u_mover.sel.len) + DATA_W / 8 - 1) / (DATA_W / 8)
          - 32'(u_mover.carry))),
    .wr_issue(u_mover.u_wr.issue && !u_mover.u_wr.drop && !u_mover.u_wr.nop),
    .wr_issue_ch(u_mover.u_wr.ch),
    .fetch_ch(u_fetch.ch), .wb_ch(u_wb.ch),
    .busy(ch_busy), .irq(irq),
    .breq(dma_breq), .sreq(dma_sreq), .lreq(dma_lreq), .ack(dma_ack), .tc(dma_tc)
);
