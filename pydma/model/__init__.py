"""A second backend for the driver: a register-level model of the pydma controller in
Python, on asyncio, with no simulator (docs/model-backend.md). Fast unit tests of driver
logic, and the proof that nothing above `DmaBackend` needs cocotb.

    memory = ModelMemory()
    model = ControllerModel(memory)
    backend = ModelBackend(model)
    dma = await PydmaDevice.probe(Device("dev", memory), backend, "dma0")

Run it with `pydma.model.run(main())` (virtual time) or plain `asyncio.run` (wall time).
"""

from pydma.model.backend import ModelBackend
from pydma.model.bus import BusError, Fault
from pydma.model.controller import ControllerModel, RegisterError, Timing
from pydma.model.loop import VirtualTimeDeadlock, VirtualTimeLimit, VirtualTimeLoop, run
from pydma.model.memory import ModelMemory
from pydma.model.peripherals import RxFifo, TxFifo, element
from pydma.model.runtime import AsyncioRuntime

__all__ = [
    "AsyncioRuntime",
    "BusError",
    "ControllerModel",
    "Fault",
    "ModelBackend",
    "ModelMemory",
    "RegisterError",
    "RxFifo",
    "Timing",
    "TxFifo",
    "VirtualTimeDeadlock",
    "VirtualTimeLimit",
    "VirtualTimeLoop",
    "element",
    "run",
]
