// Packer, between the read FIFO and the realigner. A chunk read from a fixed device address
// arrives as one element per beat (AXI FIXED burst, AxSIZE = element width) in the lanes of
// that address; the packer gathers the elements into full beats of contiguous bytes, as if
// they had been read from an aligned buffer. Other chunks pass through unchanged.
module dma_pack #(
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
    input  logic [1:0]        cmd_size,   // log2 element bytes, when fixed
    input  logic [BW-1:0]     cmd_lane,   // byte lane of the device register, when fixed
    input  logic [NB_W-1:0]   cmd_count,  // elements when fixed, beats otherwise
    input  logic              in_valid,
    output logic              in_ready,
    input  logic [DATA_W-1:0] in_data,
    input  logic              in_err,
    output logic              out_valid,
    input  logic              out_ready,
    output logic [DATA_W-1:0] out_data,
    output logic              out_err
);
    logic              active, fixed;
    logic [1:0]        size;
    logic [BW-1:0]     lane, pos;  // pos: byte offset of the next element in the packed beat
    logic [BW-1:0]     rot_by;     // lane - pos, kept with pos (not computed in the data path)
    logic [NB_W-1:0]   rem;
    logic [DATA_W-1:0] acc, obuf;
    logic              acc_err, obuf_err, full;

    wire [BW:0]        w_bytes = (BW + 1)'(1) << size;

    // The element (w_bytes at byte `lane` of the input beat) goes to bytes pos ..
    // pos + w_bytes - 1 of the packed beat: the input rotated by lane - pos bytes (rot_by,
    // dma_byte_rotr), under a byte enable (not a shift down to byte 0 and another up to
    // pos). Exact because lane and pos are multiples of the element width, which is at most
    // the bus width (dma_chan refuses any other slave set-up).
    logic [DATA_W-1:0] rotated, merged;
    dma_byte_rotr #(.DATA_W(DATA_W)) u_rot (.in(in_data), .by(rot_by), .out(rotated));
    always_comb begin
        for (int p = 0; p < B; p++) begin
            logic en;
            en = BW'(p) >= pos && 32'(p) < 32'(pos) + 32'(w_bytes);
            merged[8*p +: 8] = (pos == '0 ? 8'd0 : acc[8*p +: 8]) | (en ? rotated[8*p +: 8] : 8'd0);
        end
    end
    wire               merged_err = (pos != '0 && acc_err) || in_err;
    wire               beat_full = (32'(pos) + 32'(w_bytes) == B) || rem == 1;

    assign out_valid = full || (active && !fixed && in_valid);
    assign out_data  = full ? obuf : in_data;
    assign out_err   = full ? obuf_err : in_err;
    assign in_ready  = active && (fixed ? (!full || out_ready) : (!full && out_ready));

    wire in_fire = in_valid && in_ready;
    assign cmd_ready = !active || (in_fire && rem == 1);

    always_ff @(posedge clk) begin
        if (rst) begin
            active <= 1'b0;
            {fixed, size, lane, pos, rot_by, rem, acc, obuf, acc_err, obuf_err, full} <= '0;
        end else begin
            if (full && out_ready) full <= 1'b0;
            if (in_fire) begin
                rem <= rem - 1'b1;
                if (rem == 1) active <= 1'b0;
                if (fixed) begin
                    if (beat_full) begin
                        obuf <= merged;
                        obuf_err <= merged_err;
                        full <= 1'b1;
                        pos <= '0;
                        rot_by <= lane;
                    end else begin
                        acc <= merged;
                        acc_err <= merged_err;
                        pos <= pos + BW'(w_bytes);
                        rot_by <= rot_by - BW'(w_bytes);
                    end
                end
            end
            if (cmd_valid && cmd_ready) begin
                active <= 1'b1;
                fixed <= cmd_fixed;
                size <= cmd_size;
                lane <= cmd_lane;
                rem <= cmd_count;
                pos <= '0;
                rot_by <= cmd_lane;
            end
        end
    end
endmodule
