// The operand block (XOR, XOR_VAL, PQ, PQ_VAL; docs/raid-operations.md), one for all the
// channels (pydma_dmac): it works for one channel's multi-source descriptor at a time, from
// the descriptor's arrival to its last pass, and the channels take turns on it (a registered
// round-robin grant that stays with a channel while it asks). When such a descriptor is
// taken it reads the rows of its operand table it needs (the sources' rows, and for PQ and
// PQ_VAL the row of Q_DST and the coefficients) through that channel's port on the shared
// descriptor fetch engine, then expands every chunk the channel issues into a group of
// passes for the data mover:
//   one ACC per source (source i + the chunk's offset, into the accumulator at the chunk's
//   P destination alignment; the first one loads it), for PQ_VAL the P block at DST (into
//   P only) and the Q block at Q_DST (into Q only, coefficient 1), then the outputs: EMIT_P
//   to DST and EMIT_Q to Q_DST + offset (the sides not disabled), or one CHECK.
// Every pass but the group's last carries `more`, which holds the mover's arbiter on this
// channel: a group reaches the accumulator whole. A started group goes on while the channel
// is paused; a stopping channel (abort, error) drops the rest of it, and the next group
// (of any channel) starts by loading the accumulator, so nothing of it carries over.
// A bus error reading the table reports READ, a table address wider than the bus DESC.
module dma_operands
    import pydma_layout_pkg::*;
    import dma_types_pkg::*;
#(
    parameter type cmd_t = logic,   // chunk command (pydma_dmac)
    parameter int ADDR_W = 32,
    parameter int CL_W = 13,
    parameter int MAX_SRC = OPND_MAX_SRC  // the most sources a descriptor may have (OPS_CONFIG)
) (
    input  logic              clk,
    input  logic              rst,
    // a multi-source descriptor is taken
    input  logic              start,
    input  logic [3:0]        start_op,    // its CTRL word's OP, NSRC, PQ_DISABLE_P/Q
    input  logic [4:0]        start_nsrc,
    input  logic              start_dis_p,
    input  logic              start_dis_q,
    input  logic [ADDR_W-1:0] start_table, // its SRC: the operand table
    // the channel's port on the descriptor fetch engine
    output logic              fetch_req,
    output logic [ADDR_W-1:0] fetch_addr,
    input  logic              fetch_gnt,
    input  logic              fetch_done,
    input  logic              fetch_err,
    input  logic [255:0]      fetch_desc,
    output logic              loading,     // the table is not read yet
    output logic              fetching,    // a row's read is on the bus
    output logic              load_fail,   // (one cycle) the table could not be read ...
    output dma_err_t          load_code,   // ... for this reason
    // the chunk to expand: its offset in the sources, P destination, length, descriptor
    input  logic              go,          // a new group may start (issuing, not paused)
    input  logic              go_on,       // a started group may go on (issuing)
    input  logic [ADDR_W-1:0] off,
    input  logic [ADDR_W-1:0] dst,
    input  logic [CL_W-1:0]   len,
    input  desc_seq_t         seq,
    output logic              cmd_valid,
    output cmd_t              cmd,
    input  logic              cmd_ready,   // with cmd_valid: taken
    output logic              mid          // a group is partly issued
);
    // the rows of sources a descriptor may use, and no more, are held (4 sources a row)
    localparam int NS = (MAX_SRC + 3) / 4 * 4;
    localparam int IW = $clog2(NS);
    localparam int NR = NS / 4;                        // rows of sources
    localparam int RW = (NR > 1) ? $clog2(NR) : 1;

    // the descriptor
    logic [3:0]  op;
    logic [4:0]  nsrc;
    logic        dis_p, dis_q;
    logic [ADDR_W-1:0] table_addr;
    // the table: source 4r + j in row r of column j's bank (distributed RAM: a row arrives
    // whole, one write per bank; no reset, a source is read only once its row is written)
    logic [ADDR_W-1:0] src_rd [4];  // the sources at the read index's row
    logic [ADDR_W-1:0] q_dst;
    logic [7:0]  coefs [NS];
    // loading it, row by row (32 bytes each)
    typedef enum logic [1:0] {L_IDLE, L_REQ, L_WAIT, L_DONE} ld_state_t;
    ld_state_t   ld;
    logic [2:0]  row;
    // the group: source k, then the remaining tail passes
    logic [4:0]  k;
    logic [4:0]  tmask, rmask;  // ACC_P, ACC_Q, EMIT_P, EMIT_Q, CHECK
    // source k's address and coefficient, kept in registers beside k (loaded for k = 0 with
    // the rows that hold them), so a pass leaves without a table look-up on its path
    logic [ADDR_W-1:0] src_k;
    logic [7:0]  coef_k;
    wire [4:0] k_inc = k + 5'd1;

    wire is_pq = op == OP_PQ || op == OP_PQ_VAL;
    wire [2:0] src_rows = 3'((nsrc + 5'd3) >> 2);

    assign loading    = ld == L_REQ || ld == L_WAIT;
    assign fetching   = ld == L_WAIT;
    assign fetch_req  = ld == L_REQ;
    assign fetch_addr = table_addr + ADDR_W'({row, 5'd0});

    // the pass now
    wire src_pass = k < nsrc;
    wire [4:0] t = rmask & (~rmask + 5'd1);  // the lowest remaining tail pass
    wire last_pass = !src_pass && (rmask & (rmask - 5'd1)) == '0;
    wire [ADDR_W-1:0] q_at = q_dst + off;

    assign cmd_valid = ld == L_DONE && (mid ? go_on : go);
    always_comb begin
        cmd = '0;
        cmd.len = len;
        cmd.seq = seq;
        cmd.more = !last_pass;
        cmd.dst = (!src_pass && t[3]) ? q_at : dst;
        if (src_pass) begin
            cmd.kind = PASS_ACC;
            cmd.src = src_k + off;
            cmd.load = k == 0;
            cmd.last = op == OP_XOR_VAL && k == nsrc - 5'd1;
            cmd.to_p = !is_pq || !dis_p;
            cmd.to_q = is_pq && !dis_q;
            cmd.coef = is_pq ? coef_k : 8'd0;
        end else begin
            cmd.kind = (t[0] || t[1]) ? PASS_ACC : t[2] ? PASS_EMIT_P : t[3] ? PASS_EMIT_Q
                     : PASS_CHECK;
            cmd.src = t[1] ? q_at : dst;
            cmd.last = 1'b1;
            cmd.to_p = t[0];
            cmd.to_q = t[1];
            cmd.coef = 8'd1;
            // the group's destination bytes count once: P's, or Q's when P is not written
            cmd.tally = t[2] || t[4] || (t[3] && dis_p);
        end
    end

    // The table's rows as they arrive: written under the row's arrival alone (the descriptor
    // checks that start a load are a long path, and are not in this one's enable)
    wire row_in = ld == L_WAIT && fetch_done;
    always_ff @(posedge clk) begin
        if (rst) begin
            q_dst <= '0;
            for (int i = 0; i < NS; i++) coefs[i] <= '0;
        end else if (row_in && row[2]) begin
            q_dst <= fetch_desc[0 +: ADDR_W];
            for (int i = 0; i < NS; i++) coefs[i] <= fetch_desc[64 + 8*i +: 8];
        end
    end

    // the next source to hold in src_k: k + 1, or 0 when a group ends or stops
    wire back = (mid && !go_on) || (cmd_valid && cmd_ready && last_pass);
    wire [IW-1:0] rd_i = back ? '0 : k_inc[IW-1:0];
    wire [RW-1:0] rd_row = RW'(32'(rd_i) >> 2);
    wire [RW-1:0] wr_row = RW'(row[1:0]);
    for (genvar j = 0; j < 4; j++) begin : g_bank
        logic [ADDR_W-1:0] m [NR];
        always_ff @(posedge clk) begin
            if (row_in && !row[2] && 32'(row[1:0]) < NR) m[wr_row] <= fetch_desc[64*j +: ADDR_W];
        end
        assign src_rd[j] = m[rd_row];
    end

    // source k's registers follow k: row 0 and the coefficients' row load them for k = 0 as
    // they arrive; a pass taken moves them to k + 1, a group's end or a stop back to 0
    always_ff @(posedge clk) begin
        if (rst) begin
            {src_k, coef_k} <= '0;
        end else begin
            if (row_in && !row[2] && row[1:0] == 2'd0) src_k <= fetch_desc[0 +: ADDR_W];
            if (row_in && row[2]) coef_k <= fetch_desc[64 +: 8];
            if (back || (cmd_valid && cmd_ready && src_pass)) begin
                src_k <= src_rd[rd_i[1:0]];
                coef_k <= coefs[rd_i];
            end
        end
    end

    always_ff @(posedge clk) begin
        load_fail <= 1'b0;
        if (rst) begin
            {op, nsrc, dis_p, dis_q, table_addr, row, k, tmask, rmask, mid} <= '0;
            load_code <= ERR_NONE;
            ld <= L_IDLE;
        end else begin
            if (start) begin
                logic [3:0] o;
                logic p, q;
                logic [4:0] m;
                o = start_op;
                p = start_dis_p;
                q = start_dis_q;
                op <= o;
                nsrc <= start_nsrc;
                dis_p <= p;
                dis_q <= q;
                table_addr <= start_table;
                row <= '0;
                ld <= L_REQ;
                k <= '0;
                mid <= 1'b0;
                unique case (o)
                    OP_XOR:     m = 5'b00100;
                    OP_XOR_VAL: m = 5'b10000;
                    OP_PQ:      m = {1'b0, !q, !p, 2'b00};
                    default:    m = {1'b1, 2'b00, !q, !p};  // PQ_VAL
                endcase
                tmask <= m;
                rmask <= m;
            end else begin
                if (fetch_req && fetch_gnt) ld <= L_WAIT;
                if (row_in) begin
                    logic wide;
                    wide = 1'b0;
                    if (row[2]) begin  // Q_DST and the coefficients (the table block below)
                        if (ADDR_W < 64 && !dis_q) wide = fetch_desc[63:32] != '0;
                    end else begin
                        for (int j = 0; j < 4; j++) begin
                            if (ADDR_W < 64 && {1'b0, row[1:0], 2'(j)} < nsrc)
                                wide = wide || fetch_desc[64*j + 32 +: 32] != '0;
                        end
                    end
                    if (fetch_err || wide) begin
                        load_fail <= 1'b1;
                        load_code <= fetch_err ? ERR_READ : ERR_DESC;
                        ld <= L_IDLE;
                    end else if (!row[2] && row + 3'd1 < src_rows) begin
                        row <= row + 3'd1;
                        ld <= L_REQ;
                    end else if (!row[2] && is_pq) begin
                        row <= 3'd4;
                        ld <= L_REQ;
                    end else begin
                        ld <= L_DONE;
                    end
                end
                if (mid && !go_on) begin  // the channel stopped in the middle of a group
                    k <= '0;
                    rmask <= tmask;
                    mid <= 1'b0;
                end
                if (cmd_valid && cmd_ready) begin
                    if (last_pass) begin
                        k <= '0;
                        rmask <= tmask;
                        mid <= 1'b0;
                    end else begin
                        mid <= 1'b1;
                        if (src_pass) k <= k_inc;
                        else rmask <= rmask & ~t;
                    end
                end
            end
        end
    end
endmodule
