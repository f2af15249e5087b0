// Types the controller's blocks share (hand-written; the register map and the descriptor
// layout are generated into pydma_layout_pkg). Payloads whose widths follow a build
// parameter (addresses, data, chunk lengths) are declared once in pydma_dmac from the field
// types here and handed down as type parameters, as parameterized packages do not exist.
package dma_types_pkg;
    // ---- AXI4 fields (the IDs are added where the bus leaves, in dma_axi_mux) --------------
    typedef logic [7:0] axi_len_t;   // beats in the burst, minus one
    typedef logic [2:0] axi_size_t;  // log2 of the bytes per beat
    typedef enum logic [1:0] {
        AXI_BURST_FIXED = 2'b00,     // a device FIFO register
        AXI_BURST_INCR  = 2'b01
    } axi_burst_t;

    // ---- chunk commands --------------------------------------------------------------------
    typedef logic [3:0] dma_err_t;    // an ERR_* code of pydma_layout_pkg
    typedef logic [1:0] desc_seq_t;   // a channel's descriptor number, mod 4 (write barrier)
    typedef logic [1:0] elem_size_t;  // log2 of the element bytes of a fixed (device) side
    typedef logic [1:0] sum_check_t;  // SUM_CHECK_Q, SUM_CHECK_P: an accumulator is not zero

    // what a chunk command does in the data mover (docs/raid-operations.md): a copy, or one
    // pass of a descriptor operation. A multi-source chunk is a group of passes sent to the
    // mover back to back: one ACC per source, then its outputs (EMIT_P, EMIT_Q) or a CHECK.
    typedef enum logic [2:0] {
        PASS_COPY   = 3'd0,  // read, realign, write (today's chunk)
        PASS_FILL   = 3'd1,  // write the fill byte (MEMSET)
        PASS_ACC    = 3'd2,  // read, realign to the destination, into the accumulator
        PASS_EMIT_P = 3'd3,  // write the P accumulator
        PASS_EMIT_Q = 3'd4,  // write the Q accumulator
        PASS_CHECK  = 3'd5   // no bus traffic: report which accumulator is not zero
    } pass_kind_t;

    // ---- a channel's registers (dma_chan_regs) and what they tell its state machine --------
    typedef struct packed {  // SLAVE_CFG and DEV_ADDR: fixed while the channel is busy
        logic [1:0]  dir;       // DIR_*: a memory copy, or a slave direction
        logic [1:0]  width;     // log2 of the device's element bytes
        logic [3:0]  line;      // the request line that paces the transfer
        logic        fc;        // the peripheral ends the packet (LREQ)
        logic        pipe;      // pipelined request handshake
        logic [7:0]  burst_m1;  // elements per burst request, minus one
        logic [63:0] dev_addr;  // the device's FIFO register
    } slave_cfg_t;

    typedef struct packed {  // (the 64-bit fields on 32-bit boundaries: cheap to read out)
        logic        run;       // doorbells start the channel
        logic        pause;
        logic        cyclic;    // a ring: follow NEXT for ever
        slave_cfg_t  slave;
        logic [63:0] tail;      // the last descriptor of the chain
    } chan_cfg_t;

    typedef struct packed {  // register writes that act on the state machine, for one cycle
        logic        abort_wr;  // CTRL.ABORT
        logic        reset;     // CTRL.RESET of a channel that is not busy
        logic        doorbell;  // TAIL_DESC_LO
        logic        cur_load;  // CUR_DESC_LO of an idle channel ...
        logic [63:0] cur;       // ... with this value
        logic        clr_ioc;   // STATUS, write-1-to-clear of the interrupt flags
        logic        clr_err;
        logic        clr_abort;
    } chan_ctl_t;

    typedef struct packed {  // the state machine's state, as the registers read it
        logic        busy;
        logic        halted;
        logic        paused;
        logic        ioc_irq;
        logic        err_irq;
        logic        abort_irq;
        dma_err_t    err_code;
        logic [63:0] cur;
        logic [31:0] done_cnt;
        logic [31:0] xferred;   // of descriptor number DONE_CNT
        logic [31:0] frame_cnt; // frames of repeating descriptors that ran again
    } chan_status_t;

    // ---- a channel's register access (dma_regs to dma_chan) ------------------------------
    typedef logic [31:0] reg_word_t;
    typedef struct packed {  // (the write data on a word boundary)
        logic        wr;       // a write to this channel's registers is taken ...
        logic [5:0]  wr_off;   // ... at this offset in its block
        logic        rd;       // a read is taken (the channel answers in the next cycle)
        logic [5:0]  rd_off;
        reg_word_t   wr_data;
    } chan_reg_acc_t;

    // ---- a channel's ports on the shared descriptor engines (their requests' payloads carry
    // addresses: declared in pydma_dmac) --------------------------------------------------
    typedef struct packed {  // dma_desc_fetch to a channel
        logic gnt;             // the request is taken: its words arrive with done
        logic done;            // (one cycle) this channel's words are in desc_words_t
        logic err;             // with done: a beat came back with an error
    } desc_fetch_rsp_t;
    // the words fetched, the first DESC_FETCH_BYTES at the address: one value that every
    // channel reads (the one whose done is set takes it); a copy in each channel's response
    // would cost a simulator 256 bits per channel and cycle
    typedef logic [255:0] desc_words_t;
    // a fetched descriptor's wide tests, worked out by the fetch engine as its words arrive and
    // registered with them, so that a channel's checks of an arriving descriptor are small
    // logic on registers (not 64-bit compares behind the prefetch's select)
    typedef struct packed {
        logic len_zero;   // LEN == 0
        logic src_zero;   // SRC == 0
        logic src_lo6;    // SRC[5:0] != 0: an operand table not on a 64-byte boundary
        logic src_hi8;    // SRC[63:8] != 0: a MEMSET fill value wider than a byte
        logic src_wide;   // SRC beyond ADDR_W
        logic dst_zero;   // DST == 0
        logic dst_wide;   // DST beyond ADDR_W
        logic ctrl_bad;   // CTRL bits outside DCTRL_VALID_MASK
    } desc_flags_t;

    typedef struct packed {  // dma_desc_wb to a channel
        logic gnt;             // the request is taken
        logic done;            // (one cycle) its write response came
        logic err;             // with done: the write failed
    } desc_wb_rsp_t;

    // ---- a memory-copy descriptor whose chunks are all issued, completing in order ---------
    typedef struct packed {  // (the wide fields on word boundaries: cheap to pack)
        logic        ioc;      // interrupt on completion
        dma_err_t    err;      // the first of its chunks' errors
        sum_check_t  sum;      // its CHECK passes' results, ORed
        logic [63:0] addr;     // where its status word is written back
        logic [31:0] left;     // chunks still in flight
        logic [31:0] xferred;  // bytes moved
    } cq_entry_t;

    // ---- the peripheral request line of one channel (docs/slave-transfers.md) -------------
    typedef struct packed {
        logic breq;  // room/data for a burst of maxburst elements
        logic sreq;  // room/data for one element
        logic lreq;  // with a request: it ends the packet
    } dma_req_t;

    typedef struct packed {
        logic ack;   // the request is served (REQ_PIPE: ready to take one)
        logic tc;    // with ACK: a descriptor ended (REQ_PIPE: the transfer ended)
    } dma_rsp_t;
endpackage
