// Unpacker, between the realigner and the write FIFO. A chunk written to a fixed device
// address leaves as one element per beat (AXI FIXED burst, AxSIZE = element width) in the
// lanes of that address, taken in order from beats of contiguous bytes. Other chunks pass
// through unchanged.
module dma_unpack #(
    parameter int DATA_W = 64,
    parameter int NB_W = 14,
    localparam int B = DATA_W / 8,
    localparam int BW = $clog2(B)
) (
    input  logic              clk,
    input  logic              rst,
    input  logic              cmd_valid,
    output logic              cmd_ready,
    input  logic              cmd_fixed,
    input  logic [1:0]        cmd_size,
    input  logic [BW-1:0]     cmd_lane,
    input  logic [NB_W-1:0]   cmd_count,  // elements when fixed, beats otherwise
    input  logic              in_valid,
    output logic              in_ready,
    input  logic [DATA_W-1:0] in_data,
    input  logic [B-1:0]      in_strb,
    input  logic              in_err,
    output logic              out_valid,
    input  logic              out_ready,
    output logic [DATA_W-1:0] out_data,
    output logic [B-1:0]      out_strb,
    output logic              out_err
);
    logic            active, fixed;
    logic [1:0]      size;
    logic [BW-1:0]   lane, pos;  // pos: byte offset of the next element in the input beat
    logic [BW-1:0]   rot_by;     // pos - lane, kept with pos (not computed in the data path)
    logic [NB_W-1:0] rem;

    wire [BW:0]       w_bytes = (BW + 1)'(1) << size;
    wire [B-1:0]      w_strb = {B{1'b1}} >> (B - int'(w_bytes));
    wire              beat_end = (32'(pos) + 32'(w_bytes) == B) || rem == 1;

    // Fixed: the element at byte pos of the input beat goes to bytes lane .. lane + w_bytes - 1,
    // the rest 0: the input rotated by pos - lane bytes (rot_by, dma_byte_rotr) under a byte
    // enable (not a shift down to byte 0 and another up to lane). Exact because pos and lane
    // are multiples of the element width, which is at most the bus width (dma_chan refuses
    // any other slave set-up).
    logic [DATA_W-1:0] rotated, data;
    dma_byte_rotr #(.DATA_W(DATA_W)) u_rot (.in(in_data), .by(rot_by), .out(rotated));
    always_comb begin
        for (int p = 0; p < B; p++) begin
            logic en;
            en = BW'(p) >= lane && 32'(p) < 32'(lane) + 32'(w_bytes);
            data[8*p +: 8] = en ? rotated[8*p +: 8] : 8'd0;
        end
    end

    assign out_valid = active && in_valid;
    assign out_data  = fixed ? data : in_data;
    assign out_strb  = fixed ? w_strb << lane : in_strb;
    assign out_err   = in_err;
    assign in_ready  = active && out_ready && (!fixed || beat_end);

    wire out_fire = out_valid && out_ready;
    assign cmd_ready = !active || (out_fire && rem == 1);

    always_ff @(posedge clk) begin
        if (rst) begin
            active <= 1'b0;
            {fixed, size, lane, pos, rem, rot_by} <= '0;
        end else begin
            if (out_fire) begin
                rem <= rem - 1'b1;
                if (rem == 1) active <= 1'b0;
                pos <= beat_end ? '0 : pos + BW'(w_bytes);
                rot_by <= beat_end ? -lane : rot_by + BW'(w_bytes);
            end
            if (cmd_valid && cmd_ready) begin
                active <= 1'b1;
                fixed <= cmd_fixed;
                size <= cmd_size;
                lane <= cmd_lane;
                rem <= cmd_count;
                pos <= '0;
                rot_by <= -cmd_lane;
            end
        end
    end
endmodule
