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

    // ---- a memory-copy descriptor whose chunks are all issued, completing in order ---------
    typedef struct packed {
        logic [63:0] addr;     // where its status word is written back
        logic        ioc;      // interrupt on completion
        logic [31:0] left;     // chunks still in flight
        logic [31:0] xferred;  // bytes moved
        dma_err_t    err;      // the first of its chunks' errors
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
