// A channel's register block: the set-up registers it holds (CTRL, TAIL_DESC, SLAVE_CFG,
// DEV_ADDR), the register reads, and the writes that act on the channel's state machine,
// passed on as one-cycle strobes (ctl). The 64-bit registers are written high word first:
// the high word waits in a shadow until the low word's write commits both.
module dma_chan_regs
    import pydma_layout_pkg::*;
    import dma_types_pkg::*;
(
    input  logic         clk,
    input  logic         rst,
    // register access from dma_regs, and the register read from the cycle after the read
    input  chan_reg_acc_t acc,
    output reg_word_t    rd_data,
    // the channel's state machine
    output chan_cfg_t    cfg,
    output chan_ctl_t    ctl,
    input  chan_status_t status,
    output logic         irq
);
    logic        ioc_en, err_en;
    logic [31:0] cur_hi_shadow, tail_hi_shadow, dev_hi_shadow;

    wire idle = !status.busy && !status.halted;
    // the acting writes: decoded under the write only (nothing to evaluate on other cycles)
    always_comb begin
        ctl = '0;
        if (acc.wr) begin
            unique case (acc.wr_off)
                6'(CH_CTRL): begin
                    ctl.abort_wr = acc.wr_data[CTRL_ABORT_LSB];
                    ctl.reset    = acc.wr_data[CTRL_RESET_LSB] && !status.busy;
                end
                6'(CH_STATUS): begin  // write-1-to-clear of the interrupt flags
                    ctl.clr_ioc   = acc.wr_data[STATUS_IOC_IRQ_LSB];
                    ctl.clr_err   = acc.wr_data[STATUS_ERR_IRQ_LSB];
                    ctl.clr_abort = acc.wr_data[STATUS_ABORT_IRQ_LSB];
                end
                6'(CH_TAIL_DESC_LO): ctl.doorbell = 1'b1;
                6'(CH_CUR_DESC_LO): begin
                    ctl.cur_load = idle;
                    ctl.cur      = {cur_hi_shadow, acc.wr_data};
                end
                default: ;
            endcase
        end
    end
    assign irq = ((status.ioc_irq || status.abort_irq) && ioc_en) || (status.err_irq && err_en);

    always_ff @(posedge clk) begin
        if (rst) begin
            {ioc_en, err_en} <= '0;
            cfg <= '0;
            {cur_hi_shadow, tail_hi_shadow, dev_hi_shadow} <= '0;
        end else if (acc.wr) begin
            unique case (acc.wr_off)
                6'(CH_CTRL): begin
                    cfg.run    <= acc.wr_data[CTRL_RUN_LSB];
                    ioc_en     <= acc.wr_data[CTRL_IOC_IRQ_EN_LSB];
                    err_en     <= acc.wr_data[CTRL_ERR_IRQ_EN_LSB];
                    cfg.pause  <= acc.wr_data[CTRL_PAUSE_LSB];
                    cfg.cyclic <= acc.wr_data[CTRL_CYCLIC_LSB];
                end
                6'(CH_STATUS): ;  // the interrupt flags are the state machine's (ctl)
                6'(CH_CUR_DESC_HI): cur_hi_shadow <= acc.wr_data;
                6'(CH_CUR_DESC_LO): ;  // (ctl.cur_load)
                6'(CH_TAIL_DESC_HI): tail_hi_shadow <= acc.wr_data;
                6'(CH_TAIL_DESC_LO): cfg.tail <= {tail_hi_shadow, acc.wr_data};
                // set-up registers change only between runs
                6'(CH_SLAVE_CFG): if (!status.busy) begin
                    cfg.slave.dir      <= acc.wr_data[SLAVE_CFG_DIR_LSB +: SLAVE_CFG_DIR_W];
                    cfg.slave.width    <= acc.wr_data[SLAVE_CFG_WIDTH_LSB +: SLAVE_CFG_WIDTH_W];
                    cfg.slave.line     <= acc.wr_data[SLAVE_CFG_REQ_LINE_LSB +: SLAVE_CFG_REQ_LINE_W];
                    cfg.slave.fc       <= acc.wr_data[SLAVE_CFG_FLOW_CTRL_LSB];
                    cfg.slave.pipe     <= acc.wr_data[SLAVE_CFG_REQ_PIPE_LSB];
                    cfg.slave.burst_m1 <= acc.wr_data[SLAVE_CFG_BURST_M1_LSB +: SLAVE_CFG_BURST_M1_W];
                end
                6'(CH_DEV_ADDR_HI): dev_hi_shadow <= acc.wr_data;
                6'(CH_DEV_ADDR_LO): if (!status.busy) cfg.slave.dev_addr <= {dev_hi_shadow, acc.wr_data};
                default: ;
            endcase
        end
    end

    // The read is registered: the value at the read's clock edge, held until the next read.
    // dma_regs presents it with RVALID, one cycle after the AR handshake as before. (A
    // combinational mux here would be a path from ARADDR, which a simulator evaluates on every
    // input change, read or not.)
    always_ff @(posedge clk) begin
        if (acc.rd) unique case (acc.rd_off)
            6'(CH_CTRL):         rd_data <= (32'(cfg.run) << CTRL_RUN_LSB)
                                         | (32'(ioc_en) << CTRL_IOC_IRQ_EN_LSB)
                                         | (32'(err_en) << CTRL_ERR_IRQ_EN_LSB)
                                         | (32'(cfg.pause) << CTRL_PAUSE_LSB)
                                         | (32'(cfg.cyclic) << CTRL_CYCLIC_LSB);
            6'(CH_STATUS):       rd_data <= (32'(status.busy) << STATUS_BUSY_LSB)
                                         | (32'(status.halted) << STATUS_HALTED_LSB)
                                         | (32'(status.paused) << STATUS_PAUSED_LSB)
                                         | (32'(status.ioc_irq) << STATUS_IOC_IRQ_LSB)
                                         | (32'(status.err_irq) << STATUS_ERR_IRQ_LSB)
                                         | (32'(status.abort_irq) << STATUS_ABORT_IRQ_LSB)
                                         | (32'(status.err_code) << STATUS_ERR_CODE_LSB);
            6'(CH_CUR_DESC_LO):  rd_data <= status.cur[31:0];
            6'(CH_CUR_DESC_HI):  rd_data <= status.cur[63:32];
            6'(CH_TAIL_DESC_LO): rd_data <= cfg.tail[31:0];
            6'(CH_TAIL_DESC_HI): rd_data <= cfg.tail[63:32];
            6'(CH_DONE_CNT):     rd_data <= status.done_cnt;
            6'(CH_XFERRED):      rd_data <= status.xferred;
            6'(CH_FRAME_CNT):    rd_data <= status.frame_cnt;
            6'(CH_SLAVE_CFG):    rd_data <= (32'(cfg.slave.dir) << SLAVE_CFG_DIR_LSB)
                                         | (32'(cfg.slave.width) << SLAVE_CFG_WIDTH_LSB)
                                         | (32'(cfg.slave.line) << SLAVE_CFG_REQ_LINE_LSB)
                                         | (32'(cfg.slave.fc) << SLAVE_CFG_FLOW_CTRL_LSB)
                                         | (32'(cfg.slave.pipe) << SLAVE_CFG_REQ_PIPE_LSB)
                                         | (32'(cfg.slave.burst_m1) << SLAVE_CFG_BURST_M1_LSB);
            6'(CH_DEV_ADDR_LO):  rd_data <= cfg.slave.dev_addr[31:0];
            6'(CH_DEV_ADDR_HI):  rd_data <= cfg.slave.dev_addr[63:32];
            default:             rd_data <= 32'd0;
        endcase
    end
endmodule
