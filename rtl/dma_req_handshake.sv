// The data phase of a slave transfer: one request handshake with the peripheral per burst
// or element, on the request line SLAVE_CFG.REQ_LINE selects, and one chunk per request.
// The channel hands a descriptor over (start) and takes it back when its data has moved
// (exit_drain) or an abort stops it (exit_abort). Four-phase:
//
//   REQ   wait for BREQ or SREQ (not while paused)
//   CMD   one chunk: a burst (maxburst elements) or a single element, cut at the end of
//         the descriptor; the rest of a cut burst continues in the next descriptor. In a 2D
//         descriptor a request that spans the end of a row goes as one command per row
//         (seg: the bytes left in the row; seg_ok low while the next row is set up)
//   WAIT  wait until the chunk is written and acknowledged on the bus
//   ACK   ACK high (TC too if a descriptor ended) until the peripheral drops its request
//
// With SLAVE_CFG.REQ_PIPE the handshake is pipelined instead: in REQ the channel's ACK is a
// ready, and a request is accepted in a cycle where it and ACK are both high; the channel
// issues its chunk (CMD) and is back in REQ for the next request while earlier chunks are
// still on the bus. WAIT waits only at the end of the descriptor, of the packet (LREQ) or
// after an error; TC pulses for one cycle when the transfer ends (chain end, packet end,
// error, terminate) with every accepted request served, the last maybe short.
module dma_req_handshake
    import pydma_layout_pkg::*;
    import dma_types_pkg::*;
#(
    parameter int CL_W = 13  // width of a chunk length
) (
    input  logic            clk,
    input  logic            rst,
    input  logic            en,          // the channel is active: nothing changes otherwise
    input  slave_cfg_t      cfg,
    input  logic            pause,
    input  logic            abort_req,
    // the descriptor being moved, as the channel stands
    input  logic            start,       // hand it over (its length: start_len)
    input  logic [31:0]     start_len,
    input  logic [31:0]     rem,         // bytes of it not yet issued
    input  logic [31:0]     seg,         // ... of them in one piece (its row)
    input  logic            seg_ok,      // seg is valid
    input  logic            chain_end,   // it ends the chain
    input  logic            failed,      // one of its chunks failed
    input  logic            drained,     // none of the channel's chunks on the bus
    output logic            exit_drain,  // its data has moved: the channel takes it back
    output logic            exit_abort,  // an abort stops it here
    output logic            packet_end,  // the peripheral ended the transaction (LREQ)
    output logic            waiting,     // waiting for a request (STATUS.PAUSED may show)
    // the chunk of a request, to the data mover
    output logic            cmd_phase,   // a chunk is offered (len) ...
    output logic            cmd_valid,   // ... and may go
    output logic [CL_W-1:0] len,
    input  logic            cmd_ready,   // with cmd_valid: it went (the channel moves its pointers by len)
    // the channel stops
    input  logic            stopping,    // aborting
    output logic            finish,      // a partly served request gets its ACK first
    input  logic            stopped,     // idle or halted
    output logic            active,      // a TC is due or showing
    // the request line
    input  dma_req_t        req,
    output dma_rsp_t        rsp
);
    typedef enum logic [2:0] { H_IDLE, H_REQ, H_CMD, H_WAIT, H_ACK } hs_state_t;

    // The state machine is written as registers, updated only while the channel is active
    // (no next-state logic evaluated every cycle); what the channel sees of it (the exits,
    // waiting, the chunk, ACK and TC) is small logic on the registers and the request line.
    hs_state_t       state;
    logic [CL_W-1:0] s_len;       // the chunk being moved
    logic [CL_W-1:0] s_cmd;       // bytes of it not yet issued (a chunk may span rows)
    logic [CL_W-1:0] s_left;      // bytes of the current request not yet moved
    logic            s_last;      // it ends the transaction (LREQ with flow control)
    logic            s_tc;        // a descriptor ended during the current request
    logic            s_partial;   // part of the request moved, not yet acknowledged
    logic            hs_ack;      // four-phase ACK
    logic            req_tc;      // TC
    logic            p_open;      // pipelined: a request accepted since the last TC

    wire to_dev = cfg.dir == DIR_MEM_TO_DEV;
    wire unused_cfg = ^{cfg.line, cfg.dev_addr};  // which line and register: the channel's
    wire [31:0] elem_bytes  = 32'd1 << cfg.width;
    wire [31:0] burst_bytes = (32'(cfg.burst_m1) + 32'd1) << cfg.width;
    // pipelined: ACK is a ready, from registers only; accepted = both high
    wire pipe_ready = cfg.pipe && state == H_REQ && !pause && !abort_req && !failed;

    // The conditions below are functions, written out where they are looked at (the state
    // machine below, and the exits, which the channel looks at in its PACE state only):
    // shared wires would be evaluated on every cycle of every channel.
    function automatic logic desc_end();  // the descriptor, and the chain, end
        return rem == 0 && chain_end;
    endfunction
    // a request is taken: pipelined, whenever accepted (even with an abort just requested);
    // four-phase, when sampled while not paused and not aborting
    function automatic logic req_take();
        return (cfg.pipe ? (!failed && (req.breq || req.sreq)) : (req.breq || req.sreq))
            && state == H_REQ && !pause && !abort_req;
    endfunction
    function automatic logic req_gone();  // the peripheral dropped its request
        return !req.breq && !req.sreq;
    endfunction
    // WAIT, all moved: pipelined, the rest of a burst cut by the descriptor goes on in the next
    // one; four-phase, the request is acknowledged once all of it moved (LREQ ones included)
    function automatic logic w_cont();
        return s_left != s_len && !failed && !desc_end();
    endfunction
    function automatic logic w_ack();
        return s_left == s_len || failed || desc_end();
    endfunction
    function automatic logic w_end();  // the descriptor's data phase ends
        return failed || s_last || rem == 0;
    endfunction

    assign waiting    = state == H_REQ;
    assign cmd_phase  = state == H_CMD;
    // a chunk is issued whole once its first piece went (an abort waits for its last)
    wire   cmd_mid    = s_cmd != s_len;
    assign cmd_valid  = cmd_phase && (!abort_req || cmd_mid) && !failed && seg_ok;
    assign len        = (32'(s_cmd) < seg) ? s_cmd : seg[CL_W-1:0];
    assign finish     = stopping && s_partial && !cfg.pipe && drained;
    assign active     = req_tc || p_open;
    assign rsp        = '{ack: hs_ack || pipe_ready, tc: req_tc};

    // the exits, where the state machine ends the data phase
    assign exit_abort = abort_req && ((state == H_REQ && !req_take()) || (state == H_CMD && !cmd_mid)
                                      || (state == H_ACK && req_gone()));
    assign exit_drain = (state == H_WAIT && drained
                         && (cfg.pipe ? (w_cont() || w_end()) : !w_ack()))
                     || (state == H_ACK && req_gone() && !abort_req && w_end());
    assign packet_end = s_last && !failed
                     && ((state == H_WAIT && drained && cfg.pipe && !w_cont())
                         || (state == H_ACK && req_gone() && !abort_req));

    always_ff @(posedge clk) begin
        if (rst) begin
            state <= H_IDLE;
            {s_len, s_cmd, s_left, s_last, s_tc, s_partial, hs_ack, req_tc, p_open} <= '0;
        end else if (en) begin
            // pipelined: TC is a one-cycle pulse; a transfer that stops with requests accepted
            // (halt, terminate) voids them with one
            if (cfg.pipe) begin
                if (req_tc) req_tc <= 1'b0;
                else if (p_open && stopped) begin
                    req_tc <= 1'b1;
                    p_open <= 1'b0;
                    s_partial <= 1'b0;  // a cut burst is void too: the next run starts afresh
                end
            end

            unique case (state)
                H_IDLE: if (start) begin
                    if (s_partial) begin  // the rest of a burst cut by the previous descriptor
                        s_len <= CL_W'((start_len < 32'(s_left)) ? start_len : 32'(s_left));
                        s_cmd <= CL_W'((start_len < 32'(s_left)) ? start_len : 32'(s_left));
                        state <= H_CMD;
                    end else state <= H_REQ;
                end else if (finish) begin
                    s_partial <= 1'b0;
                    hs_ack <= 1'b1;
                    req_tc <= 1'b1;
                    state <= H_ACK;
                end
                H_REQ: begin
                    if (req_take()) begin  // pipelined: served (or voided by TC) whatever follows
                        if (cfg.pipe) p_open <= 1'b1;
                        s_left <= CL_W'(req.breq ? burst_bytes : elem_bytes);
                        s_len <= CL_W'(req.breq ? ((rem < burst_bytes) ? rem : burst_bytes)
                                                : elem_bytes);
                        s_cmd <= CL_W'(req.breq ? ((rem < burst_bytes) ? rem : burst_bytes)
                                                : elem_bytes);
                        s_last <= req.lreq && cfg.fc && !to_dev;
                        s_tc <= 1'b0;
                        state <= H_CMD;
                    end else if (abort_req) state <= H_IDLE;       // exit_abort
                    else if (cfg.pipe && failed) state <= H_WAIT;  // a chunk failed
                end
                H_CMD: begin
                    if (abort_req && !cmd_mid) state <= H_IDLE;  // exit_abort: nothing moved, no ACK
                    else if (failed) state <= H_WAIT;  // pipelined: a chunk failed
                    else if (cmd_valid && cmd_ready && 32'(s_cmd) > seg) begin
                        s_cmd <= s_cmd - seg[CL_W-1:0];  // the rest goes on in the next row
                    end else if (cmd_valid && cmd_ready) begin
                        // pipelined: take the next request while this chunk moves, unless the
                        // descriptor or the packet ends with it (a chunk shorter than its
                        // request always ends the descriptor: s_len is cut by rem only)
                        if (cfg.pipe && !s_last && rem != 32'(s_cmd)) begin
                            s_partial <= 1'b0;
                            state <= H_REQ;
                        end else state <= H_WAIT;
                    end
                end
                H_WAIT: if (drained) begin
                    s_left <= s_left - s_len;
                    if (cfg.pipe) begin
                        if (w_cont()) begin
                            s_partial <= 1'b1;  // the burst goes on in the next descriptor
                            state <= H_IDLE;    // exit_drain
                        end else begin
                            s_partial <= 1'b0;
                            if (desc_end() || s_last || failed) begin
                                req_tc <= 1'b1;  // the transfer ends: nothing accepted is left
                                p_open <= 1'b0;
                            end
                            state <= w_end() ? H_IDLE : H_REQ;  // exit_drain (packet_end: s_last)
                        end
                    end else if (w_ack()) begin
                        hs_ack <= 1'b1;
                        req_tc <= rem == 0 || s_tc || s_last || failed;
                        s_partial <= 1'b0;
                        state <= H_ACK;
                    end else begin
                        s_partial <= 1'b1;  // the burst goes on in the next descriptor
                        s_tc <= 1'b1;
                        state <= H_IDLE;    // exit_drain
                    end
                end
                H_ACK: if (req_gone()) begin
                    hs_ack <= 1'b0;
                    req_tc <= 1'b0;
                    // exit_abort, or exit_drain (packet_end: end of packet, the rest of the
                    // transaction is empty), or the next request
                    state <= (abort_req || w_end()) ? H_IDLE : H_REQ;
                end
                default: state <= H_IDLE;
            endcase
        end
    end
endmodule
