// Synchronous first-word-fall-through FIFO: push and pop in the same cycle, one entry a
// clock, so it never limits a one-beat-per-clock stream.
module dma_fifo #(
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
    logic [PW:0] wr_ptr, rd_ptr, count;

    assign count     = wr_ptr - rd_ptr;
    assign in_ready  = count != DEPTH[PW:0];
    assign out_valid = count != '0;
    assign out_data  = mem[rd_ptr[PW-1:0]];

    always_ff @(posedge clk) begin
        if (rst) begin
            wr_ptr <= '0;
            rd_ptr <= '0;
        end else begin
            if (in_valid && in_ready) begin
                mem[wr_ptr[PW-1:0]] <= in_data;
                wr_ptr <= wr_ptr + 1'b1;
            end
            if (out_valid && out_ready) rd_ptr <= rd_ptr + 1'b1;
        end
    end
endmodule
