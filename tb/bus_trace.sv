// Records what one controller does on its bus, per channel, for the timeline trace
// (make ... TRACE=1; tb/trace). Bound into every pydma_dmac by tb/bus_trace_bind.sv; it writes
// only when the simulation is started with +pydma_trace=<dir>, one line per finished event
// into <dir>/bus.<instance>.log, so a run without the switch pays one compare per clock and
// no Python ever runs per cycle or per beat.
//
// Lines (times in ns, addresses in hex; tb/trace/bus_log.py reads them):
//   H <num_ch> <num_req> <data_w>                   header
//   F <ch> <addr> <beats> <t_ar> <t_r0> <t_rlast> <resp>      descriptor fetch (ID 1)
//     (<resp>: the worst of the burst's beats; <ch> "-" if the recorder could not tell)
//   R <ch> <addr> <beats> <t_ar> <t_r0> <t_rlast> <resp>      data read burst (ID 0)
//   W <ch> <addr> <beats> <t_aw> <t_w0> <t_wlast> <t_b> <resp> data write burst (ID 0)
//   S <ch> <addr> <beats> <t_aw> <t_w0> <t_wlast> <t_b> <resp> status write-back (ID 1)
//   B <ch> <0|1> <t>          channel busy (CTRL.RUN accepted .. idle), each change
//   I <ch> <0|1> <t>          interrupt line, each change
//   L <line> <breq> <sreq> <lreq> <ack> <tc> <t>              request line, each change
//
// A data burst's channel: reads are issued in the order of the mover's read commands, each
// command's beats in whole bursts (the read engine never drops one), so the recorder counts
// AR beats against the commands it saw pushed; a write burst's channel is the write engine's
// when it issued that AW (killed and CHECK bursts never reach the bus and are not issued).
module bus_trace #(
    parameter int NUM_CH = 4,
    parameter int NUM_REQ = 8,
    parameter int DATA_W = 64,
    parameter int ADDR_W = 32,
    parameter int ID_W = 4,
    localparam int CW = (NUM_CH > 1) ? $clog2(NUM_CH) : 1
) (
    input logic              clk,
    input logic              rst,
    // the master port
    input logic [ID_W-1:0]   awid,
    input logic [ADDR_W-1:0] awaddr,
    input logic [7:0]        awlen,
    input logic              awvalid,
    input logic              awready,
    input logic              wlast,
    input logic              wvalid,
    input logic              wready,
    input logic [ID_W-1:0]   bid,
    input logic [1:0]        bresp,
    input logic              bvalid,
    input logic              bready,
    input logic [ID_W-1:0]   arid,
    input logic [ADDR_W-1:0] araddr,
    input logic [7:0]        arlen,
    input logic              arvalid,
    input logic              arready,
    input logic [ID_W-1:0]   rid,
    input logic [1:0]        rresp,
    input logic              rlast,
    input logic              rvalid,
    input logic              rready,
    // inside the controller: who owns a burst
    input logic              rd_push,       // the mover took a command that reads
    input logic [CW-1:0]     rd_push_ch,
    input logic [15:0]       rd_push_beats, // its AXI read beats
    input logic              wr_issue,      // the write engine issued an AW to the bus
    input logic [CW-1:0]     wr_issue_ch,
    input logic [CW-1:0]     fetch_ch,      // the descriptor fetcher's channel (held over AR..R)
    input logic [CW-1:0]     wb_ch,         // the status writer's (held over AW..B)
    // channel and request-line state
    input logic [NUM_CH-1:0] busy,
    input logic [NUM_CH-1:0] irq,
    input logic [NUM_REQ-1:0] breq,
    input logic [NUM_REQ-1:0] sreq,
    input logic [NUM_REQ-1:0] lreq,
    input logic [NUM_REQ-1:0] ack,
    input logic [NUM_REQ-1:0] tc
);
    int fd = 0;
    string dir;

    initial begin
        if ($value$plusargs("pydma_trace=%s", dir)) begin
            fd = $fopen({dir, "/bus.", $sformatf("%m"), ".log"}, "w");
            if (fd == 0) $display("bus_trace: cannot open %s/bus.%m.log", dir);
            else $fwrite(fd, "H %0d %0d %0d\n", NUM_CH, NUM_REQ, DATA_W);
        end
    end

    final if (fd != 0) $fclose(fd);

    typedef struct {
        logic [CW-1:0]     ch;
        logic              desc;
        logic [ADDR_W-1:0] addr;
        int                beats;
        longint            t_a;
        longint            t_d0;   // first data beat
        longint            t_dl;   // last data beat
        int                seen;   // data beats so far
        logic [1:0]        resp;   // the worst response of its beats so far
        logic              known;  // its channel is known (a data read: a command was seen)
        logic              w_done;
    } burst_t;
    typedef struct {
        logic [CW-1:0] ch;
        int            beats;
    } rd_cmd_t;

    rd_cmd_t rd_cmds[$];            // the mover's read commands, beats not yet on AR
    logic [CW-1:0] wr_owners[$];    // the channels of issued, not yet accepted data AWs
    burst_t reads[$];               // AR accepted, RLAST not yet seen
    burst_t writes[$];              // AW accepted, B not yet seen (W in AW order)
    logic [NUM_CH-1:0] busy_q = '0, irq_q = '0;
    logic [NUM_REQ-1:0][4:0] line_q = '0;

    function automatic string chan(burst_t b);
        return b.known ? $sformatf("%0d", b.ch) : "-";
    endfunction

    // A reset drops whatever was in flight, in the controller and in the memory: so do the
    // records (the lines and the interrupts are low from here, as their next change shows).
    task automatic reset_records();
        rd_cmds.delete();
        wr_owners.delete();
        reads.delete();
        writes.delete();
    endtask

    // one clock edge's events (a task: queues and counters change in place, in order)
    task automatic step();
        longint t;
        burst_t b;
        logic [4:0] s;
        begin
            t = $time;
            if (rd_push) rd_cmds.push_back('{ch: rd_push_ch, beats: int'(rd_push_beats)});
            if (wr_issue) wr_owners.push_back(wr_issue_ch);

            if (arvalid && arready) begin
                b = '{ch: fetch_ch, desc: arid == ID_W'(1), addr: araddr, beats: int'(arlen) + 1,
                              t_a: t, t_d0: 0, t_dl: 0, seen: 0, resp: '0, known: 1'b1, w_done: 1'b0};
                if (!b.desc) begin
                    b.known = rd_cmds.size() != 0;  // (never otherwise: written as channel -)
                    if (b.known) begin
                        b.ch = rd_cmds[0].ch;
                        rd_cmds[0].beats -= b.beats;
                        if (rd_cmds[0].beats <= 0) void'(rd_cmds.pop_front());
                    end
                end
                reads.push_back(b);
            end
            if (rvalid && rready) begin
                // in order within an ID; the descriptor side (ID 1) and the data side (ID 0)
                // may interleave
                for (int i = 0; i < reads.size(); i++) begin
                    if (reads[i].desc == (rid == ID_W'(1))) begin
                        if (reads[i].seen == 0) reads[i].t_d0 = t;
                        reads[i].seen++;
                        if (rresp > reads[i].resp) reads[i].resp = rresp;
                        if (rlast) begin
                            b = reads[i];
                            $fwrite(fd, "%s %s %0h %0d %0d %0d %0d %0d\n", b.desc ? "F" : "R", chan(b),
                                    b.addr, b.beats, b.t_a, b.t_d0, t, b.resp);
                            reads.delete(i);
                        end
                        break;
                    end
                end
            end

            if (awvalid && awready) begin
                b = '{ch: wb_ch, desc: awid == ID_W'(1), addr: awaddr, beats: int'(awlen) + 1,
                              t_a: t, t_d0: 0, t_dl: 0, seen: 0, resp: '0, known: 1'b1, w_done: 1'b0};
                if (!b.desc) begin
                    b.known = wr_owners.size() != 0;
                    if (b.known) b.ch = wr_owners.pop_front();
                end
                writes.push_back(b);
            end
            if (wvalid && wready) begin
                // W follows AW order: the oldest burst whose data is not complete
                for (int i = 0; i < writes.size(); i++) begin
                    if (!writes[i].w_done) begin
                        if (writes[i].seen == 0) writes[i].t_d0 = t;
                        writes[i].seen++;
                        if (wlast) begin
                            writes[i].t_dl = t;
                            writes[i].w_done = 1'b1;
                        end
                        break;
                    end
                end
            end
            if (bvalid && bready) begin
                for (int i = 0; i < writes.size(); i++) begin
                    if (writes[i].desc == (bid == ID_W'(1))) begin
                        b = writes[i];
                        $fwrite(fd, "%s %s %0h %0d %0d %0d %0d %0d %0d\n", b.desc ? "S" : "W", chan(b),
                                b.addr, b.beats, b.t_a, b.t_d0, b.t_dl, t, bresp);
                        writes.delete(i);
                        break;
                    end
                end
            end

            for (int c = 0; c < NUM_CH; c++) begin
                if (busy[c] != busy_q[c]) $fwrite(fd, "B %0d %0d %0d\n", c, busy[c], t);
                if (irq[c] != irq_q[c]) $fwrite(fd, "I %0d %0d %0d\n", c, irq[c], t);
            end
            for (int l = 0; l < NUM_REQ; l++) begin
                s = {breq[l], sreq[l], lreq[l], ack[l], tc[l]};
                if (s != line_q[l]) $fwrite(fd, "L %0d %0d %0d %0d %0d %0d %0d\n", l, s[4], s[3], s[2],
                                             s[1], s[0], t);
                line_q[l] = s;
            end
            busy_q = busy;
            irq_q = irq;
        end
    endtask

    always @(posedge clk) begin
        if (fd != 0) begin
            if (rst) reset_records();
            else step();
        end
    end
endmodule
