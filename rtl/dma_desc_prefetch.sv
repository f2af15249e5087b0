// A channel's descriptor prefetch (memory copies): while the current descriptor is issued,
// the next one along its NEXT is fetched and held, so its check and first read follow at
// once. The channel sees one descriptor source: what arrives from the shared fetch engine,
// or the descriptor held here.
module dma_desc_prefetch
    import dma_types_pkg::*;
(
    input  logic         clk,
    input  logic         rst,
    input  logic         en,             // the channel is active: nothing changes otherwise
    input  logic         want,           // the current descriptor's NEXT may be fetched now
    input  logic         next_is_tail,   // that NEXT is the tail now
    output logic         req,            // to the fetch engine (its address: the NEXT)
    input  logic         fetch_gnt,
    input  logic         fetch_done,
    input  logic         fetch_err,
    input  logic [255:0] fetch_desc,
    input  desc_flags_t  fetch_flags,    // its wide tests
    input  logic         keep,           // the channel cannot take what arrives yet: hold it
    input  logic         drop,           // the held descriptor is consumed, or the chain stops
    output logic         idle,           // nothing fetched or held
    output logic         busy,           // a prefetch is on the bus: wait for it before idle
    output logic         on,             // a prefetch is granted, on the bus or held
    output logic         next_was_tail,  // that descriptor was the tail when it was fetched
    // the descriptor that arrives for the channel
    output logic         arrived,
    output logic         arrived_err,
    output logic [255:0] arrived_desc,
    output desc_flags_t  arrived_flags
);
    typedef enum logic [1:0] { PF_NONE, PF_WAIT, PF_FULL } pf_state_t;
    pf_state_t    pf_state;
    logic [255:0] pf_desc;
    desc_flags_t  pf_flags;
    logic         pf_err;
    logic         pf_was_tail;

    wire full = pf_state == PF_FULL;
    assign idle          = pf_state == PF_NONE;
    assign busy          = pf_state == PF_WAIT;
    assign req           = idle && want;
    assign on            = !idle || (req && fetch_gnt);
    assign next_was_tail = idle ? next_is_tail : pf_was_tail;
    assign arrived       = fetch_done || full;
    assign arrived_err   = full ? pf_err : fetch_err;
    assign arrived_desc  = full ? pf_desc : fetch_desc;
    assign arrived_flags = full ? pf_flags : fetch_flags;

    always_ff @(posedge clk) begin
        if (rst) begin
            pf_state <= PF_NONE;
            {pf_desc, pf_flags, pf_err, pf_was_tail} <= '0;
        end else if (en) begin
            if (req && fetch_gnt) begin
                pf_state <= PF_WAIT;
                pf_was_tail <= next_is_tail;
            end
            if ((busy || keep) && fetch_done) begin
                pf_state <= PF_FULL;
                pf_desc <= fetch_desc;
                pf_flags <= fetch_flags;
                pf_err <= fetch_err;
            end
            if (drop) pf_state <= PF_NONE;
        end
    end
endmodule
