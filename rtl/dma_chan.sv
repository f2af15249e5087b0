// One channel's front end: its registers and the descriptor state machine.
//
// Life of a descriptor: FETCH (shared fetch engine) -> CHECK -> ISSUE (chunks to the shared
// data mover, round-robin with the other channels) -> DRAIN (all chunks written and
// acknowledged) -> WB (status word written back) -> next descriptor, idle, or halt.
//
// Appending to a running chain is race-free: the driver links the old tail to new work in
// memory and then writes TAIL_DESC. If the descriptor being processed was the tail when it
// was fetched, its NEXT word may be stale, so the channel re-reads it before following it.
module dma_chan
    import pydma_layout_pkg::*;
#(
    parameter int ADDR_W = 32,
    parameter int CL_W   = 13,   // width of a chunk length (CHUNK_BYTES fits)
    parameter int CHUNK_BYTES = 4096
) (
    input  logic              clk,
    input  logic              rst,
    // register access from dma_regs
    input  logic              reg_wr,
    input  logic [5:0]        reg_wr_off,
    input  logic [31:0]       reg_wr_data,
    input  logic [5:0]        reg_rd_off,
    output logic [31:0]       reg_rd_data,
    // descriptor fetch engine
    output logic              fetch_req,
    output logic [ADDR_W-1:0] fetch_addr,
    input  logic              fetch_gnt,
    input  logic              fetch_done,
    input  logic              fetch_err,
    input  logic [255:0]      fetch_desc,
    // data mover, one chunk per command
    output logic              cmd_valid,
    input  logic              cmd_ready,
    output logic [ADDR_W-1:0] cmd_src,
    output logic [ADDR_W-1:0] cmd_dst,
    output logic [CL_W-1:0]   cmd_len,
    input  logic              chunk_done,
    input  logic [3:0]        chunk_err,
    input  logic [CL_W-1:0]   chunk_bytes,
    // status write-back engine
    output logic              wb_req,
    output logic [ADDR_W-1:0] wb_addr,
    output logic [63:0]       wb_data,
    input  logic              wb_gnt,
    input  logic              wb_done,
    input  logic              wb_err,
    output logic              irq
);
    typedef enum logic [3:0] {
        S_IDLE, S_FETCH, S_FETCH_WAIT, S_CHECK, S_ISSUE, S_DRAIN, S_WB, S_WB_WAIT, S_HALT
    } state_t;

    state_t state;

    // registers
    logic        run, ioc_en, err_en, ioc_irq, err_irq;
    logic [3:0]  err_code;
    logic [63:0] cur, tail;
    logic [31:0] cur_hi_shadow, tail_hi_shadow, done_cnt;
    logic        doorbell;  // TAIL_DESC written since the channel last left idle
    logic        cur_done;  // CUR_DESC was completed: resume from its NEXT word

    // the descriptor in flight
    logic [63:0] d_next, d_src, d_dst;
    logic [31:0] d_len, d_ctrl;
    logic        was_tail;  // it was the tail when fetched: its NEXT may be stale
    logic        refetch;   // this fetch only re-reads NEXT of a completed descriptor

    // chunk issue
    logic [31:0] rem, xferred;
    logic [ADDR_W-1:0] src_p, dst_p;
    logic [31:0] outstanding;
    logic [3:0]  xerr;

    localparam logic [31:0] CHUNK = 32'(CHUNK_BYTES);

    function automatic logic addr_bad(input logic [63:0] a, input logic need_desc_align);
        logic bad;
        bad = need_desc_align && (a[5:0] != 6'd0);
        if (ADDR_W < 64) bad = bad || (a >> ADDR_W) != 64'd0;
        return bad;
    endfunction

    wire [63:0] f_next = fetch_desc[DESC_NEXT_OFF*8 +: 64];
    wire [63:0] f_src  = fetch_desc[DESC_SRC_OFF*8 +: 64];
    wire [63:0] f_dst  = fetch_desc[DESC_DST_OFF*8 +: 64];
    wire [31:0] f_len  = fetch_desc[DESC_LEN_OFF*8 +: 32];
    wire [31:0] f_ctrl = fetch_desc[DESC_CTRL_OFF*8 +: 32];

    wire busy = state != S_IDLE && state != S_HALT;
    wire [31:0] this_chunk = (rem < CHUNK) ? rem : CHUNK;

    assign fetch_req  = state == S_FETCH && !addr_bad(cur, 1'b1);
    assign fetch_addr = cur[ADDR_W-1:0];
    assign cmd_valid  = state == S_ISSUE;
    assign cmd_src    = src_p;
    assign cmd_dst    = dst_p;
    assign cmd_len    = this_chunk[CL_W-1:0];
    assign wb_req     = state == S_WB;
    assign wb_addr    = cur[ADDR_W-1:0] + ADDR_W'(DESC_STATUS_OFF);
    assign wb_data    = {xferred, 24'd0, xerr, 3'd0, 1'b1};
    assign irq        = (ioc_irq && ioc_en) || (err_irq && err_en);

    wire w_ctrl   = reg_wr && reg_wr_off == 6'(CH_CTRL);
    wire w_status = reg_wr && reg_wr_off == 6'(CH_STATUS);
    wire w_reset  = w_ctrl && reg_wr_data[CTRL_RESET_LSB] && !busy;

    always_comb begin
        unique case (reg_rd_off)
            6'(CH_CTRL):         reg_rd_data = 32'({err_en, ioc_en, 1'b0, run});
            6'(CH_STATUS):       reg_rd_data = (32'(busy) << STATUS_BUSY_LSB)
                                             | (32'(state == S_HALT) << STATUS_HALTED_LSB)
                                             | (32'(ioc_irq) << STATUS_IOC_IRQ_LSB)
                                             | (32'(err_irq) << STATUS_ERR_IRQ_LSB)
                                             | (32'(err_code) << STATUS_ERR_CODE_LSB);
            6'(CH_CUR_DESC_LO):  reg_rd_data = cur[31:0];
            6'(CH_CUR_DESC_HI):  reg_rd_data = cur[63:32];
            6'(CH_TAIL_DESC_LO): reg_rd_data = tail[31:0];
            6'(CH_TAIL_DESC_HI): reg_rd_data = tail[63:32];
            6'(CH_DONE_CNT):     reg_rd_data = done_cnt;
            default:             reg_rd_data = 32'd0;
        endcase
    end

    task automatic halt(input logic [3:0] code);
        err_code <= code;
        err_irq  <= 1'b1;
        state    <= S_HALT;
    endtask

    always_ff @(posedge clk) begin
        if (rst) begin
            state <= S_IDLE;
            {run, ioc_en, err_en, ioc_irq, err_irq} <= '0;
            err_code <= ERR_NONE;
            cur <= '0;
            tail <= '0;
            cur_hi_shadow <= '0;
            tail_hi_shadow <= '0;
            done_cnt <= '0;
            doorbell <= 1'b0;
            cur_done <= 1'b0;
            outstanding <= '0;
            {d_next, d_src, d_dst, d_len, d_ctrl, was_tail, refetch} <= '0;
            {rem, xferred, src_p, dst_p, xerr} <= '0;
        end else begin
            // ---- register writes -------------------------------------------------------
            if (w_ctrl) begin
                run    <= reg_wr_data[CTRL_RUN_LSB];
                ioc_en <= reg_wr_data[CTRL_IOC_IRQ_EN_LSB];
                err_en <= reg_wr_data[CTRL_ERR_IRQ_EN_LSB];
            end
            if (w_status) begin
                if (reg_wr_data[STATUS_IOC_IRQ_LSB]) ioc_irq <= 1'b0;
                if (reg_wr_data[STATUS_ERR_IRQ_LSB]) err_irq <= 1'b0;
            end
            if (reg_wr && reg_wr_off == 6'(CH_CUR_DESC_HI)) cur_hi_shadow <= reg_wr_data;
            if (reg_wr && reg_wr_off == 6'(CH_CUR_DESC_LO) && state == S_IDLE) begin
                cur <= {cur_hi_shadow, reg_wr_data};
                cur_done <= 1'b0;
            end
            if (reg_wr && reg_wr_off == 6'(CH_TAIL_DESC_HI)) tail_hi_shadow <= reg_wr_data;
            if (reg_wr && reg_wr_off == 6'(CH_TAIL_DESC_LO)) begin
                tail <= {tail_hi_shadow, reg_wr_data};
                doorbell <= 1'b1;
            end

            // ---- chunk completions may arrive in any state -------------------------------
            if (chunk_done) begin
                if (chunk_err != ERR_NONE && xerr == ERR_NONE) xerr <= chunk_err;
                if (chunk_err == ERR_NONE) xferred <= xferred + 32'(chunk_bytes);
            end
            outstanding <= outstanding + 32'(state == S_ISSUE && cmd_ready) - 32'(chunk_done);

            // ---- descriptor state machine -------------------------------------------------
            unique case (state)
                S_IDLE: if (run && doorbell && !w_reset) begin
                    doorbell <= 1'b0;
                    if (!cur_done) begin
                        refetch <= 1'b0;
                        state <= S_FETCH;
                    end else if (tail != cur) begin
                        refetch <= 1'b1;
                        state <= S_FETCH;
                    end
                end
                S_FETCH: begin
                    if (addr_bad(cur, 1'b1)) halt(ERR_DESC);
                    else if (fetch_gnt) begin
                        was_tail <= cur == tail;
                        state <= S_FETCH_WAIT;
                    end
                end
                S_FETCH_WAIT: if (fetch_done) begin
                    if (fetch_err) halt(ERR_FETCH);
                    else if (refetch) begin
                        cur <= f_next;
                        cur_done <= 1'b0;
                        refetch <= 1'b0;
                        state <= S_FETCH;
                    end else begin
                        {d_next, d_src, d_dst, d_len, d_ctrl} <= {f_next, f_src, f_dst, f_len, f_ctrl};
                        state <= S_CHECK;
                    end
                end
                S_CHECK: begin
                    rem <= d_len;
                    src_p <= d_src[ADDR_W-1:0];
                    dst_p <= d_dst[ADDR_W-1:0];
                    xferred <= '0;
                    xerr <= ERR_NONE;
                    if (d_len == 0 || (d_ctrl & ~DCTRL_VALID_MASK) != 0
                        || addr_bad(d_src, 1'b0) || addr_bad(d_dst, 1'b0)) begin
                        xerr <= ERR_DESC;
                        state <= S_WB;  // report it in the descriptor, then halt
                    end else begin
                        state <= S_ISSUE;
                    end
                end
                S_ISSUE: begin
                    if (xerr != ERR_NONE || (chunk_done && chunk_err != ERR_NONE)) begin
                        state <= S_DRAIN;  // stop issuing after an error
                    end else if (cmd_ready) begin
                        rem   <= rem - this_chunk;
                        src_p <= src_p + ADDR_W'(this_chunk);
                        dst_p <= dst_p + ADDR_W'(this_chunk);
                        if (rem == this_chunk) state <= S_DRAIN;
                    end
                end
                S_DRAIN: if (outstanding == 0 && !chunk_done) state <= S_WB;
                S_WB: if (wb_gnt) state <= S_WB_WAIT;
                S_WB_WAIT: if (wb_done) begin
                    if (wb_err) halt(ERR_WRITEBACK);
                    else begin
                        done_cnt <= done_cnt + 1'b1;
                        if (d_ctrl[DCTRL_IOC_BIT]) ioc_irq <= 1'b1;
                        if (xerr != ERR_NONE) halt(xerr);
                        else if (d_ctrl[DCTRL_EOC_BIT] || cur == tail) begin
                            cur_done <= 1'b1;
                            state <= S_IDLE;
                        end else if (was_tail) begin
                            cur_done <= 1'b1;
                            refetch <= 1'b1;
                            state <= S_FETCH;
                        end else begin
                            cur <= d_next;
                            state <= S_FETCH;
                        end
                    end
                end
                S_HALT: ;
                default: state <= S_IDLE;
            endcase

            if (w_reset) begin
                state <= S_IDLE;
                err_code <= ERR_NONE;
                cur <= '0;
                cur_done <= 1'b0;
                doorbell <= 1'b0;
                done_cnt <= '0;
            end
        end
    end
endmodule
