// AXI4 slave memory whose bytes live in C++ (native_mem.cpp, reached through DPI), so the
// per-beat data path never enters Python. Latency, jitter, random pauses and fault rules
// are set from Python once (pydma/sim/native_memory.py) and then applied here.
//
// Requests are served in order per direction, up to QDEPTH of each outstanding:
//   AR/AW accepted -> pnm_burst() classifies it: response (fault rules), whether the address
//   is in the native region, and its latency
//   read:  R beats from pnm_read() once the latency has passed, one per clock
//   write: W beats into pnm_write(), B once the latency after the last beat has passed
// Bursts outside the native region (peripheral registers, unmapped addresses) are passed
// through, in order, to the x_* master port, where a Python model (cocotbext-axi AxiSlave
// over an AddressSpace) answers them. A faulted burst is answered here and forwarded to
// nobody, so it changes nothing. Random pauses apply to forwarded bursts too, so the Python
// side needs no per-cycle pause generators. Supports INCR, FIXED and WRAP, narrow beats.
// PORT numbers this slave among those on the same store (a two-controller top has two): its
// burst counts, fault rules, pauses and logged accesses are its own.
module axi_native_mem #(
    parameter int PORT = 0,
    parameter int DATA_W = 64,
    parameter int ADDR_W = 32,
    parameter int ID_W = 4,
    parameter int QDEPTH = 16,
    localparam int STRB_W = DATA_W / 8
) (
    input  logic              clk,
    input  logic              rst,
    // slave port (the controller's master)
    input  logic [ID_W-1:0]   s_awid,
    input  logic [ADDR_W-1:0] s_awaddr,
    input  logic [7:0]        s_awlen,
    input  logic [2:0]        s_awsize,
    input  logic [1:0]        s_awburst,
    input  logic              s_awvalid,
    output logic              s_awready,
    input  logic [DATA_W-1:0] s_wdata,
    input  logic [STRB_W-1:0] s_wstrb,
    input  logic              s_wlast,
    input  logic              s_wvalid,
    output logic              s_wready,
    output logic [ID_W-1:0]   s_bid,
    output logic [1:0]        s_bresp,
    output logic              s_bvalid,
    input  logic              s_bready,
    input  logic [ID_W-1:0]   s_arid,
    input  logic [ADDR_W-1:0] s_araddr,
    input  logic [7:0]        s_arlen,
    input  logic [2:0]        s_arsize,
    input  logic [1:0]        s_arburst,
    input  logic              s_arvalid,
    output logic              s_arready,
    output logic [ID_W-1:0]   s_rid,
    output logic [DATA_W-1:0] s_rdata,
    output logic [1:0]        s_rresp,
    output logic              s_rlast,
    output logic              s_rvalid,
    input  logic              s_rready,
    // pass-through master port for everything outside the native region
    output logic [ID_W-1:0]   x_awid,
    output logic [ADDR_W-1:0] x_awaddr,
    output logic [7:0]        x_awlen,
    output logic [2:0]        x_awsize,
    output logic [1:0]        x_awburst,
    output logic              x_awvalid,
    input  logic              x_awready,
    output logic [DATA_W-1:0] x_wdata,
    output logic [STRB_W-1:0] x_wstrb,
    output logic              x_wlast,
    output logic              x_wvalid,
    input  logic              x_wready,
    input  logic [ID_W-1:0]   x_bid,
    input  logic [1:0]        x_bresp,
    input  logic              x_bvalid,
    output logic              x_bready,
    output logic [ID_W-1:0]   x_arid,
    output logic [ADDR_W-1:0] x_araddr,
    output logic [7:0]        x_arlen,
    output logic [2:0]        x_arsize,
    output logic [1:0]        x_arburst,
    output logic              x_arvalid,
    input  logic              x_arready,
    input  logic [ID_W-1:0]   x_rid,
    input  logic [DATA_W-1:0] x_rdata,
    input  logic [1:0]        x_rresp,
    input  logic              x_rlast,
    input  logic              x_rvalid,
    output logic              x_rready
);
    import "DPI-C" function longint pnm_burst(input int port, input longint addr, input int len,
                                              input int size, input int burst, input int is_write);
    import "DPI-C" function int pnm_read(input int port, input longint addr, input int nbytes,
                                         output bit [255:0] data);
    import "DPI-C" function int pnm_write(input int port, input longint addr, input int nbytes,
                                          input bit [255:0] data, input int strb);
    import "DPI-C" function int pnm_stalls(input int port);  // bit c: channel c pauses (AW, W, B, AR, R)

    localparam int QW = $clog2(QDEPTH);
    localparam logic [1:0] OKAY = 2'b00;

    typedef struct packed {
        logic [ID_W-1:0]   id;
        logic [ADDR_W-1:0] addr;
        logic [7:0]        len;
        logic [2:0]        size;
        logic [1:0]        burst;
        logic [1:0]        resp;   // from the fault rules
        logic              ext;    // outside the native region: forward
        logic [15:0]       lat;    // cycles: AR to first R, or last W to B
        logic [63:0]       due;    // read: the cycle from which its data may go
    } req_t;

    logic [63:0] now;
    logic [4:0]  pause;  // this cycle's random pauses: AW, W, B, AR, R
    always_ff @(posedge clk) begin
        if (rst) begin
            now <= '0;
            pause <= '0;
        end else begin
            now <= now + 1;
            pause <= 5'(pnm_stalls(PORT));
        end
    end

    // the address of the beat after `a` in a burst
    function automatic logic [ADDR_W-1:0] next_addr(input logic [ADDR_W-1:0] a, input logic [2:0] size,
                                                    input logic [1:0] burst, input logic [7:0] len,
                                                    input logic [ADDR_W-1:0] start);
        logic [ADDR_W-1:0] step, aligned, span, lower;
        step = ADDR_W'(1) << size;
        aligned = a & ~(step - 1);
        if (burst == 2'b00) return a;                    // FIXED
        if (burst == 2'b10) begin                        // WRAP: within len+1 beats
            span = step * (ADDR_W'(len) + 1);
            lower = start & ~(span - 1);
            return ((aligned + step - lower) & (span - 1)) + lower;
        end
        return aligned + step;                           // INCR
    endfunction

    function automatic req_t classify(input logic [ID_W-1:0] id, input logic [ADDR_W-1:0] addr,
                                      input logic [7:0] len, input logic [2:0] size,
                                      input logic [1:0] burst, input logic is_write);
        req_t r;
        /* verilator lint_off UNUSEDSIGNAL */  // spare bits of the packed answer
        longint info;
        /* verilator lint_on UNUSEDSIGNAL */
        info = pnm_burst(PORT, 64'(addr), 32'(len), 32'(size), 32'(burst), 32'(is_write));
        r.id = id;
        r.addr = addr;
        r.len = len;
        r.size = size;
        r.burst = burst;
        r.resp = info[1:0];
        r.ext = info[2] && info[1:0] == OKAY;  // a faulted burst is answered here
        r.lat = info[23:8];
        r.due = now + 64'(r.lat) - 64'd1;
        return r;
    endfunction

    // ---- read side ------------------------------------------------------------------------
    req_t ar_q [QDEPTH];
    logic [QW-1:0] ar_wp, ar_rp;
    logic [QW:0]   ar_cnt;
    req_t          rh;             // head of the read queue
    logic [ADDR_W-1:0] r_addr;     // address of its next beat
    logic [7:0]    r_beat;
    // x_ar forwarder: walks the queue ahead of the head, sending each external burst's AR
    // (and passing local ones) as soon as it is queued, so the external slave sees the next
    // AR while the current burst's beats still flow; xr_cnt entries from the head are passed
    logic [QW-1:0] xr_rp;
    logic [QW:0]   xr_cnt;
    req_t          xr;

    assign rh = ar_q[ar_rp];
    assign xr = ar_q[xr_rp];
    assign s_arready = ar_cnt != (QW+1)'(QDEPTH) && !pause[3];
    wire r_can_load = !s_rvalid || s_rready;
    wire r_head = ar_cnt != 0;
    wire r_fwd = r_head && rh.ext;

    wire xr_pending = ar_cnt > xr_cnt;
    assign x_arid    = xr.id;
    assign x_araddr  = xr.addr;
    assign x_arlen   = xr.len;
    assign x_arsize  = xr.size;
    assign x_arburst = xr.burst;
    assign x_arvalid = xr_pending && xr.ext;
    wire xr_adv = xr_pending && (!xr.ext || x_arready);
    assign x_rready  = r_fwd && xr_cnt != 0 && r_can_load && !pause[4];

    always_ff @(posedge clk) begin
        if (rst) begin
            ar_wp <= '0;
            ar_rp <= '0;
            ar_cnt <= '0;
            r_beat <= '0;
            r_addr <= '0;
            xr_rp <= '0;
            xr_cnt <= '0;
            s_rvalid <= 1'b0;
            s_rlast <= 1'b0;
            s_rid <= '0;
            s_rresp <= OKAY;
            s_rdata <= '0;
        end else begin
            logic push, pop;
            push = s_arvalid && s_arready;
            pop = 1'b0;
            if (push) begin
                ar_q[ar_wp] <= classify(s_arid, s_araddr, s_arlen, s_arsize, s_arburst, 1'b0);
                ar_wp <= ar_wp + 1'b1;
            end
            if (r_can_load) s_rvalid <= 1'b0;
            if (r_fwd) begin
                if (x_rvalid && x_rready) begin
                    s_rvalid <= 1'b1;
                    s_rid <= rh.id;
                    s_rdata <= x_rdata;
                    s_rresp <= x_rresp;
                    s_rlast <= x_rlast;
                    if (x_rlast) pop = 1'b1;
                end
            end else if (r_head && r_can_load && now >= rh.due && !pause[4]) begin
                logic [ADDR_W-1:0] a;
                logic [1:0] st;
                /* verilator lint_off UNUSEDSIGNAL */  // lanes beyond DATA_W
                bit [255:0] rword;
                /* verilator lint_on UNUSEDSIGNAL */
                a = (r_beat == 0) ? rh.addr : r_addr;
                st = OKAY;
                rword = '0;
                if (rh.resp == OKAY) st = 2'(pnm_read(PORT, 64'(a), STRB_W, rword));
                s_rvalid <= 1'b1;
                s_rid <= rh.id;
                s_rdata <= rword[DATA_W-1:0];
                s_rresp <= (rh.resp != OKAY) ? rh.resp : st;
                s_rlast <= r_beat == rh.len;
                r_addr <= next_addr(a, rh.size, rh.burst, rh.len, rh.addr);
                if (r_beat == rh.len) begin
                    r_beat <= '0;
                    pop = 1'b1;
                end else begin
                    r_beat <= r_beat + 1'b1;
                end
            end
            if (pop) ar_rp <= ar_rp + 1'b1;
            // a local head served before the forwarder passed it takes the forwarder along
            if (pop && xr_cnt == 0) xr_rp <= xr_rp + 1'b1;
            else begin
                if (xr_adv) xr_rp <= xr_rp + 1'b1;
                xr_cnt <= xr_cnt + (QW+1)'(xr_adv) - (QW+1)'(pop);
            end
            ar_cnt <= ar_cnt + (QW+1)'(push) - (QW+1)'(pop);
        end
    end

    // ---- write side -----------------------------------------------------------------------
    req_t aw_q [QDEPTH];
    logic [QW-1:0] aw_wp, aw_rp;
    logic [QW:0]   aw_cnt;
    req_t          wh;            // head of the write queue: the burst W beats belong to
    logic [ADDR_W-1:0] w_addr;
    logic [7:0]    w_beat;
    logic [1:0]    w_err;         // a beat of the burst hit unallocated memory
    // x_aw forwarder, as xr_* on the read side
    logic [QW-1:0] xw_rp;
    logic [QW:0]   xw_cnt;
    req_t          xw;
    // B queue: one entry per burst whose last W beat arrived
    typedef struct packed {
        logic [ID_W-1:0] id;
        logic [1:0]      resp;
        logic            ext;
        logic [63:0]     due;
    } b_t;
    b_t b_q [QDEPTH];
    logic [QW-1:0] b_wp, b_rp;
    logic [QW:0]   b_cnt;
    b_t            bh;

    assign wh = aw_q[aw_rp];
    assign xw = aw_q[xw_rp];
    assign bh = b_q[b_rp];
    // an AW is taken only when its B has a place too
    assign s_awready = ((QW+2)'(aw_cnt) + (QW+2)'(b_cnt)) < (QW+2)'(QDEPTH) && !pause[0];
    wire w_head = aw_cnt != 0;
    wire w_fwd = w_head && wh.ext;

    wire xw_pending = aw_cnt > xw_cnt;
    wire x_aw_sent = xw_cnt != 0;  // the head's AW went out
    assign x_awid    = xw.id;
    assign x_awaddr  = xw.addr;
    assign x_awlen   = xw.len;
    assign x_awsize  = xw.size;
    assign x_awburst = xw.burst;
    assign x_awvalid = xw_pending && xw.ext;
    wire xw_adv = xw_pending && (!xw.ext || x_awready);
    assign x_wdata   = s_wdata;
    assign x_wstrb   = s_wstrb;
    assign x_wlast   = s_wlast;
    assign x_wvalid  = w_fwd && x_aw_sent && s_wvalid && !pause[1];
    assign s_wready  = w_fwd ? (x_aw_sent && x_wready && !pause[1]) : (w_head && !pause[1]);

    wire b_can_load = !s_bvalid || s_bready;
    wire b_fwd = b_cnt != 0 && bh.ext;
    assign x_bready = b_fwd && b_can_load && !pause[2];

    always_ff @(posedge clk) begin
        if (rst) begin
            aw_wp <= '0;
            aw_rp <= '0;
            aw_cnt <= '0;
            w_beat <= '0;
            w_addr <= '0;
            w_err <= OKAY;
            xw_rp <= '0;
            xw_cnt <= '0;
            b_wp <= '0;
            b_rp <= '0;
            b_cnt <= '0;
            s_bvalid <= 1'b0;
            s_bid <= '0;
            s_bresp <= OKAY;
        end else begin
            logic aw_push, aw_pop, b_push, b_pop;
            aw_push = s_awvalid && s_awready;
            aw_pop = 1'b0;
            b_push = 1'b0;
            b_pop = 1'b0;
            if (aw_push) begin
                aw_q[aw_wp] <= classify(s_awid, s_awaddr, s_awlen, s_awsize, s_awburst, 1'b1);
                aw_wp <= aw_wp + 1'b1;
            end
            if (s_wvalid && s_wready) begin
                logic [ADDR_W-1:0] a;
                logic [1:0] st;
                a = (w_beat == 0) ? wh.addr : w_addr;
                st = OKAY;
                if (!wh.ext && wh.resp == OKAY)
                    st = 2'(pnm_write(PORT, 64'(a), STRB_W, 256'(s_wdata), 32'(s_wstrb)));
                w_addr <= next_addr(a, wh.size, wh.burst, wh.len, wh.addr);
                if (s_wlast) begin
                    b_q[b_wp] <= '{id: wh.id, resp: (wh.resp != OKAY) ? wh.resp : (w_err | st),
                                   ext: wh.ext, due: now + 64'(wh.lat) - 64'd1};
                    b_push = 1'b1;
                    aw_pop = 1'b1;
                    w_beat <= '0;
                    w_err <= OKAY;
                end else begin
                    w_beat <= w_beat + 1'b1;
                    w_err <= w_err | st;
                end
            end
            if (b_can_load) s_bvalid <= 1'b0;
            if (b_fwd) begin
                if (x_bvalid && x_bready) begin
                    s_bvalid <= 1'b1;
                    s_bid <= bh.id;
                    s_bresp <= x_bresp;
                    b_pop = 1'b1;
                end
            end else if (b_cnt != 0 && b_can_load && now >= bh.due && !pause[2]) begin
                s_bvalid <= 1'b1;
                s_bid <= bh.id;
                s_bresp <= bh.resp;
                b_pop = 1'b1;
            end
            if (aw_pop) aw_rp <= aw_rp + 1'b1;
            if (aw_pop && xw_cnt == 0) xw_rp <= xw_rp + 1'b1;
            else begin
                if (xw_adv) xw_rp <= xw_rp + 1'b1;
                xw_cnt <= xw_cnt + (QW+1)'(xw_adv) - (QW+1)'(aw_pop);
            end
            if (b_push) b_wp <= b_wp + 1'b1;
            if (b_pop) b_rp <= b_rp + 1'b1;
            aw_cnt <= aw_cnt + (QW+1)'(aw_push) - (QW+1)'(aw_pop);
            b_cnt <= b_cnt + (QW+1)'(b_push) - (QW+1)'(b_pop);
        end
    end

    wire unused = ^{x_rid, x_bid, wh.due, rh.lat, xr, xw};  // the forwarders read some fields only
endmodule
