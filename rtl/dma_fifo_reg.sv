// A first-word-fall-through FIFO that behaves as dma_fifo cycle for cycle (the same count,
// valid and ready), for a deep one in block RAM: its first two entries are also kept in
// registers, so out_data leaves a flip-flop instead of the block RAM's output (about 5.8 ns
// clock-to-output on ECP5 without its output register). The memory is read two entries
// ahead of the head, one clock before that entry moves up; an entry written in that clock
// comes from a copy of the input instead (the read saw the memory before the write).
module dma_fifo_reg #(
    parameter int WIDTH = 8,
    parameter int DEPTH = 16  // power of two
) (
    input  logic             clk,
    input  logic             rst,
    input  logic             in_valid,
    output logic             in_ready,
    input  logic [WIDTH-1:0] in_data,
    output logic             out_valid,
    input  logic             out_ready,
    output logic [WIDTH-1:0] out_data
);
    localparam int PW = $clog2(DEPTH);

    logic [WIDTH-1:0] mem [DEPTH];
    logic [PW:0]      wr_ptr, rd_ptr, count;
    logic [WIDTH-1:0] h0, h1;  // the entries at rd_ptr and rd_ptr + 1 (while there)
    logic [WIDTH-1:0] rq;      // the memory at rd_ptr + 2, read at the last edge ...
    logic [WIDTH-1:0] in_q;    // ... unless that entry was written at it: then this
    logic             byp;

    assign count     = wr_ptr - rd_ptr;
    assign in_ready  = count != DEPTH[PW:0];
    assign out_valid = count != '0;
    assign out_data  = h0;

    wire push = in_valid && in_ready;
    wire pop  = out_valid && out_ready;
    wire [WIDTH-1:0] third = byp ? in_q : rq;
    // the next clock's rd_ptr + 2 (both sums ready before pop)
    wire [PW-1:0] ra = pop ? PW'(rd_ptr + 3) : PW'(rd_ptr + 2);

    always_ff @(posedge clk) begin  // the memory (no reset: block RAM)
        if (push) mem[wr_ptr[PW-1:0]] <= in_data;
        rq <= mem[ra];
        in_q <= in_data;
    end

    always_ff @(posedge clk) begin  // the head's copies (data: no reset)
        if (pop) begin
            h0 <= (count >= (PW + 1)'(2)) ? h1 : in_data;
            h1 <= (count >= (PW + 1)'(3)) ? third : in_data;
        end else begin
            if (count == '0) h0 <= in_data;
            if (count <= (PW + 1)'(1)) h1 <= in_data;
        end
    end

    always_ff @(posedge clk) begin
        if (rst) begin
            wr_ptr <= '0;
            rd_ptr <= '0;
            byp <= 1'b0;
        end else begin
            if (push) wr_ptr <= wr_ptr + 1'b1;
            if (pop) rd_ptr <= rd_ptr + 1'b1;
            byp <= push && count - (PW + 1)'(pop) == (PW + 1)'(2);
        end
    end
endmodule
