// The native peripheral models' glue (native_periph.cpp): one DPI call per clock, made only
// while some request line is served natively (`lines`, set from Python), never otherwise.
// It samples ACK and TC as they were before the edge and drives the request lines after it,
// as a Python model does from its RisingEdge coroutine; `event_t` toggles when a device has
// something to tell Python (an error, a packet ended, a manual request served, done, its
// source running low), and Python, waiting on its change, runs only then.
module native_periph #(
    parameter int NUM_REQ = 8  // at most 32 (the DPI call's int vectors)
) (
    input  logic               clk,
    input  logic [NUM_REQ-1:0] lines,    // served by native models
    input  logic [NUM_REQ-1:0] ack,      // the controller's
    input  logic [NUM_REQ-1:0] tc,
    output logic [NUM_REQ-1:0] breq,     // the native models' requests (0 on other lines)
    output logic [NUM_REQ-1:0] sreq,
    output logic [NUM_REQ-1:0] lreq,
    output logic               event_t   // toggles: events queued for Python
);
    import "DPI-C" function int pnp_tick(input longint now_ns, input int ack, input int tc,
                                         output int breq, output int sreq, output int lreq);

    always_ff @(posedge clk) begin
        if (lines != '0) begin
            /* verilator lint_off UNUSEDSIGNAL */  // bits beyond NUM_REQ
            int b, s, l;
            /* verilator lint_on UNUSEDSIGNAL */
            int ev;
            ev = pnp_tick(64'($time), 32'(ack), 32'(tc), b, s, l);
            breq <= NUM_REQ'(b) & lines;
            sreq <= NUM_REQ'(s) & lines;
            lreq <= NUM_REQ'(l) & lines;
            if (ev != 0) event_t <= ~event_t;
        end else begin
            breq <= '0;
            sreq <= '0;
            lreq <= '0;
        end
    end
endmodule
