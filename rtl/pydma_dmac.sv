// pydma scatter-gather DMA controller, top level.
//
//   AXI4-Lite slave --> dma_regs --> dma_chan x NUM_CH (descriptor walker, its registers,
//                                      |  prefetch, completion queue, request handshake)
//                                      |  fetch / write-back      |  chunk commands
//                                      v                          v  (round robin)
//                          dma_desc_fetch, dma_desc_wb        dma_mover
//                                      \___ AXI ID 1     AXI ID 0 ___/
//                                               dma_axi_mux --> AXI4 master
module pydma_dmac
    import pydma_layout_pkg::*;
    import dma_types_pkg::*;
#(
    parameter int NUM_CH = 4,
    parameter int DATA_W = 64,           // 32, 64, 128 (or 256)
    parameter int ADDR_W = 32,           // 32 or 64
    parameter int ID_W = 4,
    parameter int MAX_BURST = 64,        // beats, 2 .. 256
    parameter int CHUNK_BYTES = 4096,    // arbitration granule between channels
    parameter int FIFO_DEPTH = 128,      // data FIFO beats, >= MAX_BURST
    parameter int MAX_OUTSTANDING = 8,   // data write bursts awaiting a response
    parameter int NUM_REQ = 8,           // peripheral request lines, 1 .. 16
    // descriptor operations (OPS_CONFIG, docs/raid-operations.md); MAX_XOR = MAX_PQ = 0
    // leaves the accumulator and the operand blocks out, FILL = 0 the fill logic
    parameter int MAX_XOR = 8,           // most XOR sources, 0 or 2 .. 16
    parameter int MAX_PQ = 8,            // most PQ sources, 0 .. 16
    parameter bit FILL = 1'b1,           // MEMSET
    parameter bit XT = 1'b1,             // 2D descriptors (CTRL.XT)
    parameter bit REPEAT = 1'b1,         // repeating descriptors (CTRL.REPEAT)
    parameter int ACC_BYTES = 4096,      // accumulator window, a power of two, 256 .. CHUNK_BYTES
    parameter int AXIL_ADDR_W = 12,
    localparam int STRB_W = DATA_W / 8
) (
    input  logic                   clk,
    input  logic                   rst,
    // AXI4-Lite register slave
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
    // AXI4 master for descriptors and data
    output logic [ID_W-1:0]        m_axi_awid,
    output logic [ADDR_W-1:0]      m_axi_awaddr,
    output logic [7:0]             m_axi_awlen,
    output logic [2:0]             m_axi_awsize,
    output logic [1:0]             m_axi_awburst,
    output logic                   m_axi_awlock,
    output logic [3:0]             m_axi_awcache,
    output logic [2:0]             m_axi_awprot,
    output logic                   m_axi_awvalid,
    input  logic                   m_axi_awready,
    output logic [DATA_W-1:0]      m_axi_wdata,
    output logic [STRB_W-1:0]      m_axi_wstrb,
    output logic                   m_axi_wlast,
    output logic                   m_axi_wvalid,
    input  logic                   m_axi_wready,
    input  logic [ID_W-1:0]        m_axi_bid,
    input  logic [1:0]             m_axi_bresp,
    input  logic                   m_axi_bvalid,
    output logic                   m_axi_bready,
    output logic [ID_W-1:0]        m_axi_arid,
    output logic [ADDR_W-1:0]      m_axi_araddr,
    output logic [7:0]             m_axi_arlen,
    output logic [2:0]             m_axi_arsize,
    output logic [1:0]             m_axi_arburst,
    output logic                   m_axi_arlock,
    output logic [3:0]             m_axi_arcache,
    output logic [2:0]             m_axi_arprot,
    output logic                   m_axi_arvalid,
    input  logic                   m_axi_arready,
    input  logic [ID_W-1:0]        m_axi_rid,
    input  logic [DATA_W-1:0]      m_axi_rdata,
    input  logic [1:0]             m_axi_rresp,
    input  logic                   m_axi_rlast,
    input  logic                   m_axi_rvalid,
    output logic                   m_axi_rready,
    // peripheral request lines (four-phase handshake, see docs/slave-transfers.md)
    input  logic [NUM_REQ-1:0]     dma_breq,   // burst request: room/data for maxburst elements
    input  logic [NUM_REQ-1:0]     dma_sreq,   // single request: room/data for one element
    input  logic [NUM_REQ-1:0]     dma_lreq,   // with a request: this transfer ends the packet
    output logic [NUM_REQ-1:0]     dma_ack,    // the requested transfer is done on the bus (REQ_PIPE: ready)
    output logic [NUM_REQ-1:0]     dma_tc,     // with ACK: it was the last of its descriptor (REQ_PIPE: transfer ended)
    output logic [NUM_CH-1:0]      irq
);
    localparam int CW = (NUM_CH > 1) ? $clog2(NUM_CH) : 1;
    // a chunk length holds CHUNK_BYTES and the largest slave burst (256 x 8 bytes)
    localparam int CL_W = (($clog2(CHUNK_BYTES) > 11) ? $clog2(CHUNK_BYTES) : 11) + 1;
    // a channel's chunks in the mover: at most the write command FIFO (4), the write engine's
    // current chunk, MAX_OUTSTANDING with bursts awaiting B and the completion register; the
    // counts of them (dma_chan, dma_completion_queue) hold twice that
    localparam int INFL_W = $clog2(2 * (MAX_OUTSTANDING + 6));

    // ---- the payloads that travel between the blocks; VALID and READY stay wires ------------
    typedef struct packed {  // AR or AW (the ID is added by dma_axi_mux)
        logic [ADDR_W-1:0] addr;
        axi_len_t          len;
        axi_size_t         size;
        axi_burst_t        burst;
    } axi_ax_t;
    typedef struct packed {
        logic [DATA_W-1:0] data;
        logic [STRB_W-1:0] strb;
        logic              last;
    } axi_w_t;
    typedef struct packed {
        logic [DATA_W-1:0] data;
        logic              err;   // RRESP[1]: SLVERR or DECERR
        logic              last;
    } axi_r_t;
    // a chunk: a contiguous copy of up to CHUNK_BYTES, or one burst or element of a slave
    // transfer, from a channel to the data mover; or one pass of a descriptor operation
    // (docs/raid-operations.md)
    typedef struct packed {  // (the addresses on word boundaries: cheap to pack)
        logic [CL_W-1:0]   len;
        logic              fixed_src;  // src is a device FIFO register (elements of size)
        logic              fixed_dst;
        elem_size_t        size;
        desc_seq_t         seq;        // its descriptor, for the write barrier
        pass_kind_t        kind;       // COPY, or a pass (then fixed_src = fixed_dst = 0)
        logic              more;       // the next pass is of the same group: hold the mover
        logic              load;       // ACC: the group's first pass loads the accumulator
        logic              last;       // ACC: its accumulators' last pass (CHECK records them)
        logic              to_p;       // ACC: into P (XOR) ...
        logic              to_q;       // ... into Q (times coef)
        logic              tally;      // its bytes count in XFERRED (once per group)
        logic              cont;       // COPY: starts where the channel's previous chunk of the
                                       // descriptor ended, on both sides (dma_addr_gen)
        logic [7:0]        coef;       // ACC: GF(2^8) coefficient; FILL: the fill byte
        logic [ADDR_W-1:0] src;        // (EMIT, CHECK: the group's alignment, its P destination)
        logic [ADDR_W-1:0] dst;
    } chunk_cmd_t;
    // a channel's requests to the shared descriptor engines (their responses,
    // desc_fetch_rsp_t and desc_wb_rsp_t, and the words fetched, desc_words_t, are of fixed
    // width: dma_types_pkg)
    typedef struct packed {  // fetch the first DESC_FETCH_BYTES at addr (a descriptor, a table row)
        logic [ADDR_W-1:0] addr;
    } desc_fetch_req_t;
    typedef struct packed {  // write a descriptor's status word (the word on a word boundary)
        logic [63:0]       data;       // STATUS and XFERRED
        logic [ADDR_W-1:0] addr;
    } desc_wb_req_t;
    typedef struct packed {  // a chunk's completion, to its channel
        sum_check_t        sum;        // CHECK: SUM_CHECK_Q, SUM_CHECK_P
        dma_err_t          err;
        logic [CL_W-1:0]   bytes;
    } chunk_done_t;
    // a channel's side of the shared operand block (dma_operands), and the block's state
    typedef struct packed {
        logic              want;       // a multi-source descriptor arrived: it asks for the block
        logic              hold;       // its table loads, or it is issued: it keeps the block
        logic              start;      // it is taken: load its table
        logic [3:0]        op;         // its CTRL's OP, NSRC, PQ_DISABLE_P and PQ_DISABLE_Q
        logic [4:0]        nsrc;
        logic              dis_p;
        logic              dis_q;
        logic [ADDR_W-1:0] table_addr; // its SRC: the operand table
        logic              go;         // a group of passes may start (issuing, not paused)
        logic              go_on;      // a started group may go on (issuing)
        logic [ADDR_W-1:0] off;        // the chunk to expand: its offset in the sources,
        logic [ADDR_W-1:0] dst;        // its P destination, length and descriptor
        logic [CL_W-1:0]   len;
        desc_seq_t         seq;
    } op_req_t;
    typedef struct packed {
        logic              fetch_req;  // a table row, on the channel's fetch port
        logic [ADDR_W-1:0] fetch_addr;
        logic              loading;
        logic              fetching;
        logic              load_fail;
        dma_err_t          load_code;
        logic              cmd_valid;  // a pass (the command: op_pass)
        logic              mid;        // a group is partly issued
    } op_rsp_t;
    localparam bit HAS_ACC = MAX_XOR > 0 || MAX_PQ > 0;

    if (!(DATA_W inside {32, 64, 128, 256})) begin : g_bad_data_w
        $error("DATA_W must be 32, 64, 128 or 256");
    end
    if (!(ADDR_W inside {32, 64})) begin : g_bad_addr_w
        $error("ADDR_W must be 32 or 64");
    end
    if (MAX_BURST < 2 || MAX_BURST > 256) begin : g_bad_max_burst
        $error("MAX_BURST must be 2..256");
    end
    if (FIFO_DEPTH < MAX_BURST) begin : g_bad_fifo_depth
        $error("FIFO_DEPTH must be at least MAX_BURST");
    end
    if (CHUNK_BYTES < 256 || CHUNK_BYTES > 4096) begin : g_bad_chunk
        $error("CHUNK_BYTES must be 256..4096");
    end
    if (NUM_CH < 1 || NUM_CH > 16) begin : g_bad_num_ch
        $error("NUM_CH must be 1..16");
    end
    if (NUM_REQ < 1 || NUM_REQ > 16) begin : g_bad_num_req
        $error("NUM_REQ must be 1..16");
    end
    if (MAX_XOR == 1 || MAX_XOR < 0 || MAX_XOR > OPND_MAX_SRC) begin : g_bad_max_xor
        $error("MAX_XOR must be 0 or 2..16");
    end
    if (MAX_PQ < 0 || MAX_PQ > OPND_MAX_SRC) begin : g_bad_max_pq
        $error("MAX_PQ must be 0..16");
    end
    if (HAS_ACC && (ACC_BYTES < 256 || ACC_BYTES > CHUNK_BYTES || (ACC_BYTES & (ACC_BYTES - 1)) != 0))
    begin : g_bad_acc_bytes
        $error("ACC_BYTES must be a power of two, 256..CHUNK_BYTES");
    end

    // SLVERR and DECERR both have bit 1 set; OKAY and EXOKAY (never asked for) do not
    wire unused_resp_lsb = ^{m_axi_bresp[0], m_axi_rresp[0]};

    // fixed AXI attributes: normal non-cacheable bufferable, no locks
    assign m_axi_awlock  = 1'b0;
    assign m_axi_arlock  = 1'b0;
    assign m_axi_awcache = 4'b0011;
    assign m_axi_arcache = 4'b0011;
    assign m_axi_awprot  = 3'b000;
    assign m_axi_arprot  = 3'b000;

    // ---- registers -------------------------------------------------------------------------
    chan_reg_acc_t          ch_acc [NUM_CH];
    reg_word_t [NUM_CH-1:0] ch_rd_data;
    logic [NUM_CH-1:0]      ch_busy, ch_halted;

    dma_regs #(
        .NUM_CH(NUM_CH), .DATA_W(DATA_W), .ADDR_W(ADDR_W), .MAX_BURST(MAX_BURST),
        .CHUNK_BYTES(CHUNK_BYTES), .NUM_REQ(NUM_REQ), .MAX_XOR(MAX_XOR), .MAX_PQ(MAX_PQ),
        .FILL(FILL), .XT(XT), .REPEAT(REPEAT), .ACC_BYTES(ACC_BYTES), .AXIL_ADDR_W(AXIL_ADDR_W)
    ) u_regs (
        .clk, .rst,
        .s_axil_awaddr, .s_axil_awprot, .s_axil_awvalid, .s_axil_awready,
        .s_axil_wdata, .s_axil_wstrb, .s_axil_wvalid, .s_axil_wready,
        .s_axil_bresp, .s_axil_bvalid, .s_axil_bready,
        .s_axil_araddr, .s_axil_arprot, .s_axil_arvalid, .s_axil_arready,
        .s_axil_rdata, .s_axil_rresp, .s_axil_rvalid, .s_axil_rready,
        .ch_acc, .ch_rd_data, .ch_busy, .ch_halted, .irq
    );

    // ---- channels ----------------------------------------------------------------------------
    logic [NUM_CH-1:0]        fetch_valid;
    desc_fetch_req_t          fetch_req [NUM_CH];
    desc_fetch_rsp_t          fetch_rsp [NUM_CH];
    desc_words_t              fetch_desc;
    desc_flags_t              fetch_flags;
    logic [NUM_CH-1:0]        wb_valid;
    desc_wb_req_t             wb_req [NUM_CH];
    desc_wb_rsp_t             wb_rsp [NUM_CH];
    logic [NUM_CH-1:0]        cmd_valid;
    logic [NUM_CH-1:0]        cmd_op;        // the channel's command is the operand block's pass
    chunk_cmd_t               cmd [NUM_CH];  // (one word-aligned value per channel)
    logic [NUM_CH-1:0]        kill;
    logic [NUM_CH-1:0][3:0]   req_line;
    logic [NUM_CH-1:0]        req_used;
    dma_rsp_t [NUM_CH-1:0]    rsp;
    logic                     mv_cmd_ready, mv_done_valid;
    logic [CW-1:0]            mv_done_ch;
    chunk_done_t              mv_done;
    logic [CW-1:0]            cmd_arb_idx;
    op_req_t                  op_req [NUM_CH];
    op_rsp_t                  op_rsp;
    chunk_cmd_t               op_pass;
    logic [CW-1:0]            op_arb_idx;

    // the granted channel's command: its own chunk, or the shared operand block's pass
    chunk_cmd_t mv_cmd;
    assign mv_cmd = (HAS_ACC && cmd_op[cmd_arb_idx]) ? op_pass : cmd[cmd_arb_idx];
    // the grant is a register: no path from one channel's command through the arbitration
    // into another channel's ready (dma_rr_arb)
    dma_rr_arb #(.N(NUM_CH)) u_cmd_arb (
        .clk, .rst, .req(cmd_valid), .ready(mv_cmd_ready), .lock(mv_cmd.more),
        .gnt_idx(cmd_arb_idx)
    );

    wire [15:0] breq16 = 16'(dma_breq), sreq16 = 16'(dma_sreq), lreq16 = 16'(dma_lreq);

    for (genvar c = 0; c < NUM_CH; c++) begin : g_ch
        wire [3:0] line = req_line[c];
        wire line_ok = 32'(line) < NUM_REQ;  // an absent line never requests
        dma_chan #(
            .cmd_t(chunk_cmd_t), .done_t(chunk_done_t), .fetch_req_t(desc_fetch_req_t),
            .wb_req_t(desc_wb_req_t), .op_req_t(op_req_t), .op_rsp_t(op_rsp_t), .ADDR_W(ADDR_W),
            .CL_W(CL_W), .CHUNK_BYTES(CHUNK_BYTES),
            .BUS_BYTES_LOG2($clog2(STRB_W)), .MAX_XOR(MAX_XOR), .MAX_PQ(MAX_PQ), .FILL(FILL),
            .XT(XT), .REPEAT(REPEAT), .ACC_BYTES(ACC_BYTES), .INFL_W(INFL_W)
        ) u_chan (
            .clk, .rst,
            .reg_acc(ch_acc[c]), .reg_rd_data(ch_rd_data[c]),
            .fetch_valid(fetch_valid[c]), .fetch_req(fetch_req[c]), .fetch_rsp(fetch_rsp[c]),
            .fetch_desc, .fetch_flags,
            .cmd_valid(cmd_valid[c]),
            // (the grant and the mover's room, whether the channel offers a command or not:
            // each block of the channel takes its command with its own valid)
            .cmd_ready(cmd_arb_idx == CW'(c) && mv_cmd_ready),
            .cmd(cmd[c]), .cmd_op(cmd_op[c]), .kill(kill[c]),
            .chunk_done(mv_done_valid && mv_done_ch == CW'(c)), .chunk(mv_done),
            .wb_valid(wb_valid[c]), .wb_req(wb_req[c]), .wb_rsp(wb_rsp[c]),
            .req_line(req_line[c]), .req_used(req_used[c]),
            .req('{breq: line_ok && breq16[line], sreq: line_ok && sreq16[line],
                   lreq: line_ok && lreq16[line]}),
            .rsp(rsp[c]),
            .op_req(op_req[c]), .op_gnt(op_arb_idx == CW'(c)), .op_rsp,
            .op_pass_acc(op_pass.kind == PASS_ACC), .op_pass_more(op_pass.more),
            .busy_o(ch_busy[c]), .halted_o(ch_halted[c]),
            .irq(irq[c])
        );
    end

    // ---- the operand block (XOR, XOR_VAL, PQ, PQ_VAL), shared -----------------------------
    // One channel's multi-source descriptor at a time: from its arrival (it waits there for
    // the grant) through its table's load to its last pass. The grant is a register that stays
    // with a channel while it asks (dma_rr_arb, never "taken"), so a channel that runs such
    // descriptors one after another keeps it, and another one waits for the current
    // descriptor's last pass, not for the chain.
    if (HAS_ACC) begin : g_ops
        logic [NUM_CH-1:0] op_ask;
        for (genvar c = 0; c < NUM_CH; c++) begin : g_ask
            assign op_ask[c] = op_req[c].want || op_req[c].hold;
        end
        dma_rr_arb #(.N(NUM_CH)) u_op_arb (
            .clk, .rst, .req(op_ask), .ready(1'b0), .lock(1'b0), .gnt_idx(op_arb_idx)
        );
        op_req_t op_sel;
        assign op_sel = op_req[op_arb_idx];
        dma_operands #(
            .cmd_t(chunk_cmd_t), .ADDR_W(ADDR_W), .CL_W(CL_W),
            .MAX_SRC(MAX_XOR > MAX_PQ ? MAX_XOR : MAX_PQ)
        ) u_operands (
            .clk, .rst,
            .start(op_sel.start), .start_op(op_sel.op), .start_nsrc(op_sel.nsrc),
            .start_dis_p(op_sel.dis_p), .start_dis_q(op_sel.dis_q), .start_table(op_sel.table_addr),
            .fetch_req(op_rsp.fetch_req), .fetch_addr(op_rsp.fetch_addr),
            .fetch_gnt(fetch_rsp[op_arb_idx].gnt), .fetch_done(fetch_rsp[op_arb_idx].done),
            .fetch_err(fetch_rsp[op_arb_idx].err), .fetch_desc,
            .loading(op_rsp.loading), .fetching(op_rsp.fetching), .load_fail(op_rsp.load_fail),
            .load_code(op_rsp.load_code),
            .go(op_sel.go), .go_on(op_sel.go_on), .off(op_sel.off), .dst(op_sel.dst),
            .len(op_sel.len), .seq(op_sel.seq),
            .cmd_valid(op_rsp.cmd_valid), .cmd(op_pass),
            .cmd_ready(cmd_arb_idx == op_arb_idx && mv_cmd_ready), .mid(op_rsp.mid)
        );
    end else begin : g_no_ops
        assign op_arb_idx = '0;
        assign op_rsp = '0;
        assign op_pass = '0;
    end

    // each line's ACK and TC come from the channels paced by it (one, in a sane set-up); a
    // line number past NUM_REQ selects nothing (shifted out)
    always_comb begin
        dma_ack = '0;
        dma_tc = '0;
        for (int c = 0; c < NUM_CH; c++) begin
            if (req_used[c]) begin
                dma_ack = dma_ack | NUM_REQ'(32'(rsp[c].ack) << req_line[c]);
                dma_tc = dma_tc | NUM_REQ'(32'(rsp[c].tc) << req_line[c]);
            end
        end
    end

    // ---- the AXI4 master's payloads, flattened onto the named ports ------------------------
    axi_ax_t axi_ar, axi_aw;
    axi_w_t  axi_w;
    axi_r_t  axi_r;
    assign {m_axi_araddr, m_axi_arlen, m_axi_arsize, m_axi_arburst} = axi_ar;
    assign {m_axi_awaddr, m_axi_awlen, m_axi_awsize, m_axi_awburst} = axi_aw;
    assign {m_axi_wdata, m_axi_wstrb, m_axi_wlast} = axi_w;
    assign axi_r = '{data: m_axi_rdata, err: m_axi_rresp[1], last: m_axi_rlast};

    // ---- descriptor side ---------------------------------------------------------------------
    logic    d_ar_valid, d_ar_ready, d_r_valid, d_r_ready;
    axi_ax_t d_ar, d_aw;
    logic    d_aw_valid, d_aw_ready, d_w_valid, d_w_ready;
    axi_w_t  d_w;
    logic    d_b_valid, d_b_ready;

    dma_desc_fetch #(
        .ax_t(axi_ax_t), .r_t(axi_r_t), .req_t(desc_fetch_req_t), .NUM_CH(NUM_CH),
        .ADDR_W(ADDR_W), .DATA_W(DATA_W)
    ) u_fetch (
        .clk, .rst, .req_valid(fetch_valid), .req(fetch_req), .rsp(fetch_rsp), .desc(fetch_desc),
        .flags(fetch_flags),
        .ar_valid(d_ar_valid), .ar_ready(d_ar_ready), .ar(d_ar),
        .r_valid(d_r_valid), .r_ready(d_r_ready), .r(axi_r)
    );

    dma_desc_wb #(
        .ax_t(axi_ax_t), .w_t(axi_w_t), .req_t(desc_wb_req_t), .NUM_CH(NUM_CH),
        .ADDR_W(ADDR_W), .DATA_W(DATA_W)
    ) u_wb (
        .clk, .rst, .req_valid(wb_valid), .req(wb_req), .rsp(wb_rsp),
        .aw_valid(d_aw_valid), .aw_ready(d_aw_ready), .aw(d_aw),
        .w_valid(d_w_valid), .w_ready(d_w_ready), .w(d_w),
        .b_valid(d_b_valid), .b_ready(d_b_ready), .b_err(m_axi_bresp[1])
    );

    // ---- data side ---------------------------------------------------------------------------
    logic    m_ar_valid, m_ar_ready, m_r_valid, m_r_ready;
    axi_ax_t m_ar, m_aw;
    logic    m_aw_valid, m_aw_ready, m_w_valid, m_w_ready;
    axi_w_t  m_w;
    logic    m_b_valid, m_b_ready;

    dma_mover #(
        .cmd_t(chunk_cmd_t), .done_t(chunk_done_t), .ax_t(axi_ax_t), .w_t(axi_w_t),
        .r_t(axi_r_t),
        .NUM_CH(NUM_CH), .ADDR_W(ADDR_W), .DATA_W(DATA_W), .CL_W(CL_W),
        .MAX_BURST(MAX_BURST), .FIFO_DEPTH(FIFO_DEPTH), .MAX_OUTSTANDING(MAX_OUTSTANDING),
        .HAS_ACC(HAS_ACC), .HAS_FILL(FILL), .ACC_BYTES(ACC_BYTES)
    ) u_mover (
        .clk, .rst,
        .cmd_valid(cmd_valid[cmd_arb_idx]), .cmd_ready(mv_cmd_ready), .cmd_ch(cmd_arb_idx),
        .cmd(mv_cmd), .kill,
        .ar_valid(m_ar_valid), .ar_ready(m_ar_ready), .ar(m_ar),
        .r_valid(m_r_valid), .r_ready(m_r_ready), .r(axi_r),
        .aw_valid(m_aw_valid), .aw_ready(m_aw_ready), .aw(m_aw),
        .w_valid(m_w_valid), .w_ready(m_w_ready), .w(m_w),
        .b_valid(m_b_valid), .b_ready(m_b_ready), .b_err(m_axi_bresp[1]),
        .done_valid(mv_done_valid), .done_ch(mv_done_ch), .done(mv_done)
    );

    dma_axi_mux #(
        .ax_t(axi_ax_t), .w_t(axi_w_t), .ID_W(ID_W), .MAX_WRITES(2 * MAX_OUTSTANDING)
    ) u_mux (
        .clk, .rst,
        .d_ar_valid, .d_ar_ready, .d_ar, .d_r_valid, .d_r_ready,
        .m_ar_valid, .m_ar_ready, .m_ar, .m_r_valid, .m_r_ready,
        .d_aw_valid, .d_aw_ready, .d_aw, .d_w_valid, .d_w_ready, .d_w, .d_b_valid, .d_b_ready,
        .m_aw_valid, .m_aw_ready, .m_aw, .m_w_valid, .m_w_ready, .m_w, .m_b_valid, .m_b_ready,
        .axi_arid(m_axi_arid), .axi_ar, .axi_arvalid(m_axi_arvalid), .axi_arready(m_axi_arready),
        .axi_rid(m_axi_rid), .axi_rvalid(m_axi_rvalid), .axi_rready(m_axi_rready),
        .axi_awid(m_axi_awid), .axi_aw, .axi_awvalid(m_axi_awvalid), .axi_awready(m_axi_awready),
        .axi_w, .axi_wvalid(m_axi_wvalid), .axi_wready(m_axi_wready),
        .axi_bid(m_axi_bid), .axi_bvalid(m_axi_bvalid), .axi_bready(m_axi_bready)
    );
endmodule
