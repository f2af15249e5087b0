// The data mover's output stage, between the unpacker and the write FIFO
// (docs/raid-operations.md). It takes the mover's passes in order, one beat per clock:
//   COPY     beats from the unpacker straight through (no register on the way: a copy's
//            timing is the stage-less mover's)
//   FILL     beats of the fill byte (MEMSET), with the chunk's first and last strobes
//   ACC      beats from the unpacker (realigned to the destination) into the P and Q
//            accumulators at their destination beat in the ACC_BYTES window: P ^= data,
//            Q ^= coef * data over GF(2^8) (polynomial 0x11d), or loaded by a group's first
//            pass; the bytes outside the strobes count as zero
//   EMIT_P/Q beats of an accumulator, realigned from the group's alignment (its P
//            destination) to the pass's destination by a second dma_realign
//   CHECK    one beat the write engine never puts on the bus: which accumulator is not zero
//            (recorded by the group's last passes), and the group's read error
// A read error of any of a group's beats is sticky for the group: its outputs carry it, so
// the write engine writes them without strobes and fails the chunk with READ. A group's
// first pass clears the accumulators' state, so nothing of an abandoned group carries over.
// Without HAS_ACC only COPY and FILL exist (no buffers); the mover leaves the whole stage out
// when the instance has neither.
module dma_acc
    import dma_types_pkg::*;
#(
    parameter int DATA_W = 64,
    parameter int NB_W = 14,
    parameter int ACC_BYTES = 4096,
    parameter bit HAS_ACC = 1'b1,
    localparam int B = DATA_W / 8,
    localparam int BW = $clog2(B),
    localparam int AIW = $clog2(ACC_BYTES) - BW  // beat index in the window
) (
    input  logic              clk,
    input  logic              rst,
    input  logic              cmd_valid,
    output logic              cmd_ready,
    input  pass_kind_t        cmd_kind,
    input  logic [NB_W-1:0]   cmd_count,  // output beats (ACC: beats from the unpacker)
    input  logic [NB_W-1:0]   cmd_nin,    // EMIT: accumulator beats read
    input  logic [AIW-1:0]    cmd_base,   // ACC, EMIT: the first beat's index in the window
    input  logic              cmd_load,   // ACC: the group's first pass
    input  logic              cmd_last,   // ACC: the last pass into its accumulators (CHECK)
    input  logic              cmd_to_p,
    input  logic              cmd_to_q,
    input  logic [7:0]        cmd_coef,   // ACC: Q coefficient; FILL: the fill byte
    input  logic [BW-1:0]     cmd_shift,  // EMIT: realigner command
    input  logic              cmd_prime,
    input  logic [B-1:0]      cmd_first_strb,  // FILL, EMIT
    input  logic [B-1:0]      cmd_last_strb,
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
    logic            active, first;
    pass_kind_t      kind;
    logic [NB_W-1:0] count;
    logic [7:0]      coef;
    logic [B-1:0]    first_strb, last_strb;

    wire is_copy = kind == PASS_COPY;
    wire is_fill = kind == PASS_FILL;
    wire is_acc  = kind == PASS_ACC;
    wire is_emit = kind == PASS_EMIT_P || kind == PASS_EMIT_Q;

    // EMIT's realigner, CHECK's beat (HAS_ACC)
    logic              e_valid, e_ready, e_err;
    logic [DATA_W-1:0] e_data;
    logic [B-1:0]      e_strb;
    logic              k_err;
    sum_check_t        k_sum;

    wire [B-1:0] fill_strb = (first ? first_strb : '1) & (count == 1 ? last_strb : '1);

    always_comb begin
        out_valid = 1'b0;
        out_data  = in_data;
        out_strb  = in_strb;
        out_err   = in_err;
        in_ready  = 1'b0;
        e_ready   = 1'b0;
        if (active) begin
            if (is_copy) begin
                out_valid = in_valid;
                in_ready  = out_ready;
            end else if (is_acc) begin
                in_ready  = 1'b1;
            end else if (is_fill) begin
                out_valid = 1'b1;
                out_data  = {B{coef}};
                out_strb  = fill_strb;
                out_err   = 1'b0;
            end else if (is_emit) begin
                out_valid = e_valid;
                out_data  = e_data;
                out_strb  = e_strb;
                out_err   = e_err;
                e_ready   = out_ready;
            end else begin  // CHECK
                out_valid = 1'b1;
                out_data  = DATA_W'(k_sum);
                out_strb  = '0;
                out_err   = k_err;
            end
        end
    end

    wire fire = is_acc ? (active && in_valid) : (out_valid && out_ready);
    wire finish = fire && count == 1;
    assign cmd_ready = !active || finish;
    wire start = cmd_valid && cmd_ready;

    always_ff @(posedge clk) begin
        if (rst) begin
            active <= 1'b0;
            first <= 1'b0;
            kind <= PASS_COPY;
            {count, coef, first_strb, last_strb} <= '0;
        end else begin
            if (fire) begin
                count <= count - 1'b1;
                first <= 1'b0;
                if (finish) active <= 1'b0;
            end
            if (start) begin
                active <= 1'b1;
                first <= 1'b1;
                kind <= cmd_kind;
                count <= cmd_count;
                coef <= cmd_coef;
                first_strb <= cmd_first_strb;
                last_strb <= cmd_last_strb;
            end
        end
    end

    if (HAS_ACC) begin : g_acc
        localparam int BEATS = ACC_BYTES / B;

        logic [DATA_W-1:0] pbuf [BEATS];
        logic [DATA_W-1:0] qbuf [BEATS];
        logic [AIW-1:0]    idx;
        logic              load, last, to_p, to_q, gerr, nzp, nzq;
        // a last pass's beat, ORed in groups of four bits: folded into nzp / nzq a cycle
        // later (the wide OR after the XOR is off the data path; CHECK sees both)
        localparam int ZW = DATA_W / 4;
        logic [ZW-1:0]     pz, qz;
        logic [7:0]        mul [8];  // coef * x^k: the constant multiplier's rows

        // EMIT: the accumulator's beats, realigned to the pass's destination
        logic e_in_ready;
        wire  e_start = start && (cmd_kind == PASS_EMIT_P || cmd_kind == PASS_EMIT_Q);
        wire [DATA_W-1:0] e_in = (kind == PASS_EMIT_Q) ? qbuf[idx] : pbuf[idx];
        logic unused_e_cmd_ready;
        dma_realign #(.DATA_W(DATA_W), .NB_W(NB_W)) u_emit (
            .clk, .rst, .cmd_valid(e_start), .cmd_ready(unused_e_cmd_ready),
            .cmd_shift, .cmd_prime, .cmd_carry(1'b0), .cmd_nin, .cmd_nout(cmd_count),
            .cmd_first_strb, .cmd_last_strb,
            .in_valid(active && is_emit), .in_ready(e_in_ready), .in_data(e_in), .in_err(gerr),
            .out_valid(e_valid), .out_ready(e_ready), .out_data(e_data), .out_strb(e_strb),
            .out_err(e_err)
        );
        assign k_err = gerr;
        assign k_sum = {nzq || qz != '0, nzp || pz != '0};

        always_ff @(posedge clk) begin
            if (rst) begin
                {idx, load, last, to_p, to_q, gerr, nzp, nzq, pz, qz} <= '0;
                for (int k = 0; k < 8; k++) mul[k] <= '0;
            end else begin
                if (pz != '0) nzp <= 1'b1;
                if (qz != '0) nzq <= 1'b1;
                pz <= '0;
                qz <= '0;
                if (active && is_acc && in_valid) begin
                    logic [DATA_W-1:0] d, qd, pn, qn;
                    for (int i = 0; i < B; i++) begin
                        d[8*i +: 8] = in_strb[i] ? in_data[8*i +: 8] : 8'd0;
                        qd[8*i +: 8] = 8'd0;
                        for (int k = 0; k < 8; k++) begin
                            if (d[8*i + k]) qd[8*i +: 8] = qd[8*i +: 8] ^ mul[k];
                        end
                    end
                    if (to_p) begin
                        pn = load ? d : (pbuf[idx] ^ d);
                        pbuf[idx] <= pn;
                        if (last) for (int i = 0; i < ZW; i++) pz[i] <= pn[4*i +: 4] != '0;
                    end
                    if (to_q) begin
                        qn = load ? qd : (qbuf[idx] ^ qd);
                        qbuf[idx] <= qn;
                        if (last) for (int i = 0; i < ZW; i++) qz[i] <= qn[4*i +: 4] != '0;
                    end
                    if (in_err) gerr <= 1'b1;

                    idx <= idx + 1'b1;
                end
                if (active && is_emit && e_in_ready) idx <= idx + 1'b1;
                if (start) begin
                    idx <= cmd_base;
                    load <= cmd_load;
                    last <= cmd_last;
                    to_p <= cmd_to_p;
                    to_q <= cmd_to_q;
                    if (cmd_kind == PASS_ACC && cmd_load) {gerr, nzp, nzq, pz, qz} <= '0;
                    if (cmd_kind == PASS_ACC) begin
                        logic [7:0] m;
                        m = cmd_coef;
                        for (int k = 0; k < 8; k++) begin
                            mul[k] <= m;
                            m = {m[6:0], 1'b0} ^ (m[7] ? 8'h1d : 8'h00);
                        end
                    end
                end
            end
        end
    end else begin : g_no_acc
        assign {e_valid, e_data, e_strb, e_err, k_err, k_sum} = '0;
        wire unused = ^{cmd_nin, cmd_base, cmd_load, cmd_last, cmd_to_p, cmd_to_q, cmd_shift,
                        cmd_prime, e_ready};
    end
endmodule
