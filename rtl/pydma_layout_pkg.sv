// generated from pydma/hw/layout.py by pydma/hw/generate.py; do not edit
package pydma_layout_pkg;

  localparam logic [31:0] ID_MAGIC = 32'h50444D41;
  localparam logic [31:0] VERSION = 32'h00010000;
  localparam int CHAN_BASE = 'h100;
  localparam int CHAN_STRIDE = 'h40;

  localparam int REG_ID = 'h000;
  localparam int REG_VERSION = 'h004;
  localparam int REG_CONFIG = 'h008;
  localparam int REG_IRQ_STATUS = 'h00C;
  localparam int CH_CTRL = 'h00;
  localparam int CH_STATUS = 'h04;
  localparam int CH_CUR_DESC_LO = 'h08;
  localparam int CH_CUR_DESC_HI = 'h0C;
  localparam int CH_TAIL_DESC_LO = 'h10;
  localparam int CH_TAIL_DESC_HI = 'h14;
  localparam int CH_DONE_CNT = 'h18;

  localparam int CONFIG_NUM_CH_LSB = 0;
  localparam int CONFIG_NUM_CH_W = 8;
  localparam int CONFIG_DATA_BYTES_LSB = 8;
  localparam int CONFIG_DATA_BYTES_W = 8;
  localparam int CONFIG_ADDR_W_LSB = 16;
  localparam int CONFIG_ADDR_W_W = 8;
  localparam int CONFIG_MAX_BURST_LOG2_LSB = 24;
  localparam int CONFIG_MAX_BURST_LOG2_W = 4;
  localparam int CONFIG_CHUNK_LOG2_LSB = 28;
  localparam int CONFIG_CHUNK_LOG2_W = 4;
  localparam int CTRL_RUN_LSB = 0;
  localparam int CTRL_RUN_W = 1;
  localparam int CTRL_RESET_LSB = 1;
  localparam int CTRL_RESET_W = 1;
  localparam int CTRL_IOC_IRQ_EN_LSB = 2;
  localparam int CTRL_IOC_IRQ_EN_W = 1;
  localparam int CTRL_ERR_IRQ_EN_LSB = 3;
  localparam int CTRL_ERR_IRQ_EN_W = 1;
  localparam int STATUS_BUSY_LSB = 0;
  localparam int STATUS_BUSY_W = 1;
  localparam int STATUS_HALTED_LSB = 1;
  localparam int STATUS_HALTED_W = 1;
  localparam int STATUS_IOC_IRQ_LSB = 8;
  localparam int STATUS_IOC_IRQ_W = 1;
  localparam int STATUS_ERR_IRQ_LSB = 9;
  localparam int STATUS_ERR_IRQ_W = 1;
  localparam int STATUS_ERR_CODE_LSB = 16;
  localparam int STATUS_ERR_CODE_W = 4;

  localparam int DESC_ALIGN = 64;
  localparam int DESC_FETCH_BYTES = 32;
  localparam int DESC_NEXT_OFF = 'h00;
  localparam int DESC_NEXT_BYTES = 8;
  localparam int DESC_SRC_OFF = 'h08;
  localparam int DESC_SRC_BYTES = 8;
  localparam int DESC_DST_OFF = 'h10;
  localparam int DESC_DST_BYTES = 8;
  localparam int DESC_LEN_OFF = 'h18;
  localparam int DESC_LEN_BYTES = 4;
  localparam int DESC_CTRL_OFF = 'h1C;
  localparam int DESC_CTRL_BYTES = 4;
  localparam int DESC_STATUS_OFF = 'h20;
  localparam int DESC_STATUS_BYTES = 4;
  localparam int DESC_XFERRED_OFF = 'h24;
  localparam int DESC_XFERRED_BYTES = 4;

  localparam int DCTRL_IOC_BIT = 0;
  localparam int DCTRL_EOC_BIT = 1;
  localparam logic [31:0] DCTRL_VALID_MASK = 32'h00000003;
  localparam int DSTAT_DONE_BIT = 0;
  localparam int DSTAT_ERR_LSB = 4;

  localparam logic [3:0] ERR_NONE = 4'd0;
  localparam logic [3:0] ERR_FETCH = 4'd1;
  localparam logic [3:0] ERR_READ = 4'd2;
  localparam logic [3:0] ERR_WRITE = 4'd3;
  localparam logic [3:0] ERR_WRITEBACK = 4'd4;
  localparam logic [3:0] ERR_DESC = 4'd5;

endpackage
