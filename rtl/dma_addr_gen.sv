// A channel's address generator: where the next chunk of the current descriptor reads and
// writes, and how long it is. A descriptor is LEN bytes laid out in rows: one row of LEN
// bytes, or (a 2D descriptor, CTRL.XT) rows of ROW_LEN bytes, the last one maybe shorter,
// each row starting SRC_STRIDE / DST_STRIDE bytes after the previous one.
//
// The next chunk (len, last) is kept in registers, worked out when the descriptor arrives and
// after each chunk is taken, so a command leaves from registers. A chunk ends at the next
// seam (a CHUNK_BYTES-aligned destination address, or ACC_BYTES for multi-source operations),
// at the end of its row, or at the end of the descriptor. After a chunk that ends on a seam
// the next one is a whole seam away, so only the descriptor's arrival and a new row look at
// the destination's low bits. A new row takes one cycle (ready low): the pointers, left at
// the end of the row, move on by the row's gap (the stride less the row, worked out once per
// descriptor) through the same adders that step them by a chunk, and the row's first chunk is
// worked out from the low bits of the new destination.
//
// Slave transfers take pieces of their own length (a request's burst, cut at row ends:
// row_left): step_len is then not len.
//
// cont: the next chunk starts where the descriptor's previous one ended, on both sides (the
// mover's realigner carry), known without comparing addresses: after a chunk in the same
// row, or at a new row whose gaps are both 0.
module dma_addr_gen #(
    parameter int ADDR_W = 32,
    parameter int CL_W = 13,
    parameter int CHUNK_BYTES = 4096,
    parameter int ACC_BYTES = 4096,
    parameter bit HAS_OPS = 1'b0,
    parameter bit XT = 1'b0  // 2D descriptors: without them a descriptor is one row
) (
    input  logic              clk,
    input  logic              rst,
    input  logic              en,
    // a descriptor arrives: its first half
    input  logic              load,
    input  logic [ADDR_W-1:0] load_src,
    input  logic [ADDR_W-1:0] load_dst,
    input  logic [31:0]       load_len,
    input  logic              load_multi,   // XOR, PQ and their checks: ACC_BYTES seams, SRC an offset
    // ... and, for a 2D descriptor, its second half (rows are one until then)
    input  logic              load_xt,
    input  logic [31:0]       xt_row_len,   // not 0 (the channel checks it)
    input  logic [31:0]       xt_src_stride,
    input  logic [31:0]       xt_dst_stride,
    // a chunk (or a piece of a request) was taken
    input  logic              step,
    input  logic [CL_W-1:0]   step_len,
    output logic [ADDR_W-1:0] src,
    output logic [ADDR_W-1:0] dst,
    output logic [31:0]       rem,          // bytes of the descriptor not yet taken
    output logic [31:0]       row_left,     // ... of them in the current row
    output logic [CL_W-1:0]   len,          // the next chunk
    output logic              last,         // ... and it is the descriptor's last
    output logic              cont,         // ... and it continues the previous one (both sides)
    output logic              ready         // len, last and row_left are valid (not a new row)
);
    localparam logic [31:0] CHUNK = 32'(CHUNK_BYTES);
    localparam int CHUNK_LOG2 = $clog2(CHUNK_BYTES);
    localparam int ACC_LOG2 = $clog2(ACC_BYTES);

    logic              multi;
    logic              last_row_q;
    wire               last_row = !XT || last_row_q;  // the current row is the descriptor's last
    logic              new_row;    // a row starts: len is worked out from dst this cycle
    logic              gap_due;    // ... and the pointers move on by the gap to it first
    logic [31:0]       row_len;
    logic [ADDR_W-1:0] src_gap, dst_gap;  // stride - ROW_LEN (two's complement: rows may overlap)
    logic              gap0;       // both gaps are 0: a new row continues the previous one

    // what the pointers move on by: a chunk taken, or the gap to a new row
    wire [ADDR_W-1:0] src_inc = new_row ? (gap_due ? src_gap : '0) : ADDR_W'(step_len);
    wire [ADDR_W-1:0] dst_inc = new_row ? (gap_due ? dst_gap : '0) : ADDR_W'(step_len);
    wire [ADDR_W-1:0] src_next = src + src_inc;
    wire [ADDR_W-1:0] dst_next = dst + dst_inc;
    // (33 bits, signed, sign-extended to wider addresses; on a 32-bit bus modulo 2**32)
    localparam int GW = (ADDR_W < 33) ? ADDR_W : 33;
    wire signed [GW-1:0] x_src_gap = $signed(GW'({1'b0, xt_src_stride}) - GW'({1'b0, xt_row_len}));
    wire signed [GW-1:0] x_dst_gap = $signed(GW'({1'b0, xt_dst_stride}) - GW'({1'b0, xt_row_len}));

    wire [31:0] f_seam = (HAS_OPS && load_multi) ? 32'(ACC_BYTES) - 32'(load_dst[ACC_LOG2-1:0])
                                                 : CHUNK - 32'(load_dst[CHUNK_LOG2-1:0]);
    wire [31:0] seam = (HAS_OPS && multi) ? 32'(ACC_BYTES) : CHUNK;
    // a new row's first chunk ends at the first seam after its start (2D: copies only)
    wire [31:0] row_seam = CHUNK - 32'(dst_next[CHUNK_LOG2-1:0]);
    wire [31:0] rem_after = rem - 32'(step_len);
    wire [31:0] row_after = row_left - 32'(step_len);

    assign ready = !new_row;

    always_ff @(posedge clk) begin
        if (rst) begin
            {src, dst, rem, row_left, len, last, cont, multi, last_row_q, new_row, gap_due} <= '0;
            {row_len, src_gap, dst_gap, gap0} <= '0;
        end else if (en) begin
            if (load) begin
                rem <= load_len;
                row_left <= load_len;
                last_row_q <= 1'b1;
                // multi-source: the offset into the sources (the table is the operand block's)
                src <= load_multi ? '0 : load_src;
                dst <= load_dst;
                len <= (load_len < f_seam) ? load_len[CL_W-1:0] : f_seam[CL_W-1:0];
                last <= load_len <= f_seam;
                multi <= HAS_OPS && load_multi;
                {new_row, gap_due, cont} <= '0;
            end else if (XT && load_xt) begin  // the first row is ROW_LEN long, or all of LEN
                row_len <= xt_row_len;
                src_gap <= ADDR_W'(x_src_gap);  // (sign-extended)
                dst_gap <= ADDR_W'(x_dst_gap);
                gap0 <= x_src_gap == 0 && x_dst_gap == 0;
                row_left <= (rem < xt_row_len) ? rem : xt_row_len;
                last_row_q <= rem <= xt_row_len;
                new_row <= 1'b1;  // (the first row: no gap)
            end else if (new_row) begin
                new_row <= 1'b0;
                gap_due <= 1'b0;
                src <= src_next;
                dst <= dst_next;
                len <= (row_left < row_seam) ? row_left[CL_W-1:0] : row_seam[CL_W-1:0];
                last <= last_row && row_left <= row_seam;
            end else if (step) begin
                rem <= rem_after;
                src <= src_next;
                dst <= dst_next;
                cont <= 1'b1;
                if (row_after == 0 && !last_row) begin  // the next row, after its gap
                    cont <= gap0;
                    row_left <= (rem_after < row_len) ? rem_after : row_len;
                    last_row_q <= rem_after <= row_len;
                    new_row <= 1'b1;
                    gap_due <= 1'b1;
                end else begin
                    row_left <= row_after;
                    len <= (row_after < seam) ? row_after[CL_W-1:0] : seam[CL_W-1:0];
                    last <= last_row && row_after <= seam;
                end
            end
        end
    end
endmodule
