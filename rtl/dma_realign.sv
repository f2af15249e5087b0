// Byte realigner: turns source-aligned read beats into destination-aligned write beats with
// byte strobes, one beat per clock. Each output beat is a window of {current, previous} input
// beat, starting `shift` = (src - dst) mod B bytes into the previous one. When src%B > dst%B
// the first input beat only primes the previous-beat register; otherwise the window is
// {in[k], in[k-1]}, so equal lanes (shift 0) take the whole current beat (a window offset of
// B). When the destination needs one beat more than the source, the last output beat is
// flushed from the previous-beat register without input. A carried chunk (dma_mover) starts
// with the previous chunk's last input beat, still in that register, as its primed beat.
module dma_realign #(
    parameter int DATA_W = 64,
    parameter int NB_W = 14,
    localparam int B = DATA_W / 8,
    localparam int BW = $clog2(B)
) (
    input  logic              clk,
    input  logic              rst,
    input  logic              cmd_valid,
    output logic              cmd_ready,
    input  logic [BW-1:0]     cmd_shift,
    input  logic              cmd_prime,
    input  logic              cmd_carry,  // prev holds this chunk's first input beat already
    input  logic [NB_W-1:0]   cmd_nin,
    input  logic [NB_W-1:0]   cmd_nout,
    input  logic [B-1:0]      cmd_first_strb,
    input  logic [B-1:0]      cmd_last_strb,
    input  logic              in_valid,
    output logic              in_ready,
    input  logic [DATA_W-1:0] in_data,
    input  logic              in_err,
    output logic              out_valid,
    input  logic              out_ready,
    output logic [DATA_W-1:0] out_data,
    output logic [B-1:0]      out_strb,
    output logic              out_err
);
    logic              active, prime, first;
    logic [BW-1:0]     shift;
    logic [NB_W-1:0]   nin, nout;
    logic [B-1:0]      first_strb, last_strb;
    logic [DATA_W-1:0] prev;
    logic              prev_err;

    wire use_in = active && !prime && nin != 0;
    wire flush  = active && !prime && nin == 0;

    // Output byte j is byte j + shift of {in, prev} (shift 0: byte j of in): a byte merge and
    // a rotation. Merge byte k is prev's when 0 < shift <= k, else in's, and output byte j is
    // merge byte (j + shift) mod B (dma_byte_rotr), not a shifter over both beats.
    logic [DATA_W-1:0] merged, rotated, rot;
    always_comb begin
        for (int k = 0; k < B; k++) begin
            merged[8*k +: 8] = (shift != '0 && BW'(k) >= shift) ? prev[8*k +: 8] : in_data[8*k +: 8];
        end
    end
    dma_byte_rotr #(.DATA_W(DATA_W)) u_rot (.in(merged), .by(shift), .out(rotated));
    always_comb begin
        rot = rotated;
        // without an input beat (a flush), the bytes that would come from it are 0
        for (int j = 0; j < B; j++) begin
            if (!use_in && (shift == '0 || 32'(j) + 32'(shift) >= B)) rot[8*j +: 8] = 8'd0;
        end
    end

    assign out_valid = use_in ? in_valid : flush;
    assign in_ready  = (active && prime) || (use_in && out_ready);
    assign out_data  = rot;
    assign out_strb  = (first ? first_strb : '1) & (nout == 1 ? last_strb : '1);
    assign out_err   = (use_in && in_err) || (shift != 0 && prev_err);

    wire emit   = out_valid && out_ready;
    wire finish = emit && nout == 1;
    assign cmd_ready = !active || finish;

    always_ff @(posedge clk) begin
        if (rst) begin
            active <= 1'b0;
            {prime, first, shift, nin, nout, first_strb, last_strb, prev, prev_err} <= '0;
        end else begin
            if (active && prime && in_valid) begin
                prev <= in_data;
                prev_err <= in_err;
                prime <= 1'b0;
                nin <= nin - 1'b1;
            end
            if (emit) begin
                if (use_in) begin
                    prev <= in_data;
                    prev_err <= in_err;
                    nin <= nin - 1'b1;
                end
                nout <= nout - 1'b1;
                first <= 1'b0;
                if (finish) active <= 1'b0;
            end
            if (cmd_valid && cmd_ready) begin
                active <= 1'b1;
                shift <= cmd_shift;
                prime <= cmd_prime;
                nin <= cmd_nin;
                nout <= cmd_nout;
                first <= 1'b1;
                first_strb <= cmd_first_strb;
                last_strb <= cmd_last_strb;
                if (!cmd_carry) prev_err <= 1'b0;
            end
        end
    end
endmodule
