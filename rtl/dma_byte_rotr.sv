// Rotate a beat right by whole bytes: out byte j is in byte (j + by) mod B. A barrel of
// log2(B) stages (each a 2:1 select per bit), shared by the realigner, the packer and the
// unpacker, which place bytes by rotation under byte enables. Written as stages rather than
// as one B:1 select per byte so that a simulator evaluates log2(B) word operations, not B x B
// byte copies, every cycle; the logic is the same function.
module dma_byte_rotr #(
    parameter int DATA_W = 64,
    localparam int B = DATA_W / 8,
    localparam int BW = $clog2(B)
) (
    input  logic [DATA_W-1:0] in,
    input  logic [BW-1:0]     by,
    output logic [DATA_W-1:0] out
);
    always_comb begin
        out = in;
        for (int s = 0; s < BW; s++) begin
            if (by[s]) out = (out >> (8 << s)) | (out << (DATA_W - (8 << s)));
        end
    end
endmodule
