// AXI4-Lite register slave: global registers, and decode of the per-channel blocks (each
// channel owns its registers, see dma_chan). One access at a time per direction. Unmapped
// offsets, writes with partial byte strobes, writes to read-only registers and writes to a
// busy channel's set-up registers (CUR_DESC, SLAVE_CFG, DEV_ADDR) answer SLVERR and change
// nothing; so do writes to a halted channel's CUR_DESC (it would be dropped by the ABORT or
// RESET that must come first: a new chain written there would be lost without a word).
module dma_regs
    import pydma_layout_pkg::*;
    import dma_types_pkg::*;
#(
    parameter int NUM_CH = 4,
    parameter int DATA_W = 64,
    parameter int ADDR_W = 32,
    parameter int MAX_BURST = 64,
    parameter int CHUNK_BYTES = 4096,
    parameter int NUM_REQ = 8,
    parameter int MAX_XOR = 0,       // OPS_CONFIG: the descriptor operations of this instance
    parameter int MAX_PQ = 0,
    parameter bit FILL = 1'b0,
    parameter bit XT = 1'b0,
    parameter bit REPEAT = 1'b0,
    parameter int ACC_BYTES = 4096,
    parameter int AXIL_ADDR_W = 12
) (
    input  logic                   clk,
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
    // to the channels: each one's register access, and its read data in the next cycle
    output chan_reg_acc_t          ch_acc [NUM_CH],
    input  reg_word_t [NUM_CH-1:0] ch_rd_data,
    input  logic [NUM_CH-1:0]      ch_busy,
    input  logic [NUM_CH-1:0]      ch_halted,
    input  logic [NUM_CH-1:0]      irq
);
    localparam logic [1:0] OKAY = 2'b00, SLVERR = 2'b10;
    localparam logic [31:0] CONFIG_VALUE =
          (32'(NUM_CH) << CONFIG_NUM_CH_LSB)
        | (32'(DATA_W / 8) << CONFIG_DATA_BYTES_LSB)
        | (32'(ADDR_W) << CONFIG_ADDR_W_LSB)
        | (32'($clog2(MAX_BURST)) << CONFIG_MAX_BURST_LOG2_LSB)
        | (32'($clog2(CHUNK_BYTES) - 8) << CONFIG_CHUNK_LOG2_LSB);
    localparam logic [31:0] OPS_CONFIG_VALUE =
          (32'(MAX_XOR) << OPS_CONFIG_MAX_XOR_LSB)
        | (32'(MAX_PQ) << OPS_CONFIG_MAX_PQ_LSB)
        | (32'(FILL) << OPS_CONFIG_FILL_LSB)
        | (32'(XT) << OPS_CONFIG_XT_LSB)
        | (32'(REPEAT) << OPS_CONFIG_REPEAT_LSB)
        | ((MAX_XOR > 0 || MAX_PQ > 0) ? 32'($clog2(ACC_BYTES) - 8) << OPS_CONFIG_ACC_LOG2_LSB : '0);

    // Decode an address: which channel (NUM_CH = global), which offset, and whether mapped.
    typedef struct packed {
        logic        ok;
        logic        global_reg;
        logic [7:0]  ch;
        logic [5:0]  off;
    } decode_t;

    function automatic decode_t decode(input logic [AXIL_ADDR_W-1:0] a);
        decode_t d;
        int unsigned addr = 32'(a);
        d = '0;
        if (addr[1:0] != 2'b00) begin
            d.ok = 1'b0;  // not word-aligned: SLVERR
        end else if (addr <= REG_OPS_CONFIG) begin
            d.ok = 1'b1;
            d.global_reg = 1'b1;
            d.off = 6'(addr);
        end else if (addr >= CHAN_BASE && addr < CHAN_BASE + NUM_CH * CHAN_STRIDE) begin
            d.ch = 8'((addr - CHAN_BASE) / CHAN_STRIDE);
            d.off = 6'((addr - CHAN_BASE) % CHAN_STRIDE);
            d.ok = 32'(d.off) <= CH_LAST_OFF;
        end
        return d;
    endfunction

    // ---- writes ----------------------------------------------------------------------------
    // (decoded only while an address is offered: a simulator skips the decode otherwise)
    decode_t wd;
    always_comb begin
        wd = '0;
        if (s_axil_awvalid) wd = decode(s_axil_awaddr);
    end
    wire wr_take = s_axil_awvalid && s_axil_wvalid && !s_axil_bvalid;
    // a busy channel's set-up is fixed until it stops: a write would half-change a run
    wire wr_locked = ch_busy[int'(wd.ch)] && (32'(wd.off) inside
        {CH_CUR_DESC_LO, CH_CUR_DESC_HI, CH_SLAVE_CFG, CH_DEV_ADDR_LO, CH_DEV_ADDR_HI})
        || ch_halted[int'(wd.ch)] && (32'(wd.off) inside {CH_CUR_DESC_LO, CH_CUR_DESC_HI});
    // DONE_CNT and XFERRED are the channel's read-only registers (the layout marks them RO)
    wire wr_read_only = !CH_WRITABLE_WORDS[wd.off[5:2]];
    wire wr_ok = wd.ok && !wd.global_reg && !wr_read_only && s_axil_wstrb == 4'hF && !wr_locked;

    assign s_axil_awready = wr_take;
    assign s_axil_wready  = wr_take;

    always_ff @(posedge clk) begin
        if (rst) begin
            s_axil_bvalid <= 1'b0;
            s_axil_bresp <= OKAY;
        end else if (wr_take) begin
            s_axil_bvalid <= 1'b1;
            // global registers are read-only: writing them is an error too
            s_axil_bresp <= wr_ok ? OKAY : SLVERR;
        end else if (s_axil_bready) begin
            s_axil_bvalid <= 1'b0;
        end
    end

    // ---- reads -----------------------------------------------------------------------------
    decode_t rd;
    always_comb begin
        rd = '0;
        if (s_axil_arvalid) rd = decode(s_axil_araddr);
    end
    wire rd_take = s_axil_arvalid && !s_axil_rvalid;
    assign s_axil_arready = rd_take;

    // each channel's access: the write taken for it, the read taken for it (it registers
    // its read data), the offsets and the write data
    wire wr_ch = wr_take && wr_ok;
    wire rd_ch_take = rd_take && rd.ok && !rd.global_reg;
    for (genvar c = 0; c < NUM_CH; c++) begin : g_acc
        assign ch_acc[c] = '{wr: wr_ch && wd.ch == 8'(c), wr_off: wd.off,
                             rd: rd_ch_take && rd.ch == 8'(c), rd_off: rd.off,
                             wr_data: s_axil_wdata};
    end

    // The answer is taken at the AR handshake and shown with RVALID in the next cycle: a
    // global register's value is registered here, a channel's by the channel (its
    // reg_rd_data), so RDATA is a choice between registers, held until the next read.
    logic        rd_from_ch;
    logic [7:0]  rd_ch;
    logic [31:0] rd_global;
    always_ff @(posedge clk) begin
        if (rst) begin
            s_axil_rvalid <= 1'b0;
            s_axil_rresp <= OKAY;
            rd_from_ch <= 1'b0;
            rd_ch <= '0;
            rd_global <= '0;
        end else if (rd_take) begin
            s_axil_rvalid <= 1'b1;
            s_axil_rresp <= rd.ok ? OKAY : SLVERR;
            rd_from_ch <= rd.ok && !rd.global_reg;
            rd_ch <= rd.ch;
            // a global register's value (zero for a channel's register or an unmapped offset)
            rd_global <= '0;
            if (rd.ok && rd.global_reg) unique case (32'(rd.off))
                REG_ID:         rd_global <= ID_MAGIC;
                REG_VERSION:    rd_global <= VERSION;
                REG_CONFIG:     rd_global <= CONFIG_VALUE;
                REG_IRQ_STATUS: rd_global <= 32'(irq);
                REG_REQ_CONFIG: rd_global <= 32'(NUM_REQ) << REQ_CONFIG_NUM_REQ_LSB;
                REG_OPS_CONFIG: rd_global <= OPS_CONFIG_VALUE;
                default: ;
            endcase
        end else if (s_axil_rready) begin
            s_axil_rvalid <= 1'b0;
        end
    end
    assign s_axil_rdata = rd_from_ch ? ch_rd_data[int'(rd_ch)] : rd_global;

    wire unused = ^{s_axil_awprot, s_axil_arprot};
endmodule
