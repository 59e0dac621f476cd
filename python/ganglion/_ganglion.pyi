"""Type stubs of the extension module `ganglion._ganglion` (the Rust network, from Python).

Values are in SI units. Dimensions are seven exponents: metre, kilogram, second, ampere, kelvin,
mole, candela (volt is `[2, 1, -3, -1, 0, 0, 0]`).
"""

from os import PathLike
from typing import Callable, Mapping, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

Dims = Sequence[float]
Constant = Union[bool, int, float, Tuple[float, Dims]]
Side = Union["Group", Tuple["Group", int, int]]

class GanglionError(Exception):
    """Any error of Ganglion."""

class ModelError(GanglionError):
    """Problems in model code; the message is the rendered diagnostics (file:line:column, a caret)."""

class UsageError(GanglionError):
    """A request that does not fit the network (an unknown name, a value of the wrong size or unit)."""

class SimulationError(GanglionError):
    """A run that could not start or stopped early (a NaN, a kernel that could not be compiled)."""

class Group:
    """A group (NeuronGroup, Synapses, PoissonGroup or spike generator) of a network."""

    @property
    def name(self) -> str: ...

class Monitor:
    """A monitor of a network."""

    @property
    def name(self) -> str: ...

class Snapshot:
    """A network's whole state (`Network.store`)."""

class Network:
    """A spiking network (Brian2's `Network`)."""

    def __init__(self, backend: str = "jit", threads: int = 0) -> None:
        """`backend`: "jit" or "interp"; `threads`: 0 for every core."""
    @staticmethod
    def from_model_file(path: Union[str, PathLike], backend: str = "jit") -> "Network":
        """The network a model file describes (`docs/model-file.md`)."""
    def run_file(self) -> None:
        """Runs the segments of the model file the network was built from."""
    @property
    def t(self) -> float: ...
    @property
    def dt(self) -> float: ...
    @dt.setter
    def dt(self, dt: float) -> None: ...
    @property
    def threads(self) -> int: ...
    @threads.setter
    def threads(self, threads: int) -> None: ...
    @property
    def backend(self) -> str: ...
    def set_time(self, t: float) -> None:
        """Starts the clocks at time `t`, to continue a simulation run elsewhere."""
    def seed(self, seed: int) -> None: ...
    def set_constant(self, name: str, value: Union[bool, int, float], dims: Dims | None = None) -> None:
        """A constant of the run namespace (read again at every run)."""
    def set_schedule(self, entries: Sequence[str]) -> None: ...
    def add_clock(self, name: str, dt: float) -> None: ...
    def add_group(
        self,
        n: int,
        model: str,
        threshold: str | None = None,
        reset: str | None = None,
        refractory: Union[float, str, None] = None,
        events: Sequence[Tuple[str, str]] | None = None,
        method: Union[str, Sequence[str], None] = None,
        namespace: Mapping[str, Constant] | None = None,
        float32: bool = False,
        dt: float | None = None,
        clock: str | None = None,
        order: int = 0,
        name: str | None = None,
    ) -> Group: ...
    def add_spike_generator(
        self,
        n: int,
        indices: Sequence[int],
        times: Sequence[float],
        period: float = 0.0,
        name: str | None = None,
    ) -> Group: ...
    def add_synapses(
        self,
        source: Side,
        target: Side,
        model: str = "",
        pathways: Sequence[Tuple[str, str]] | None = None,
        delay: float = 0.0,
        on_event: Mapping[str, str] | None = None,
        method: Union[str, Sequence[str], None] = None,
        namespace: Mapping[str, Constant] | None = None,
        dt: float | None = None,
        order: int = 0,
        name: str | None = None,
    ) -> Group: ...
    def connect(
        self,
        synapses: Group,
        condition: str | None = None,
        i: Sequence[int] | None = None,
        j: Union[Sequence[int], str, None] = None,
        p: Union[float, str, None] = None,
        n: int = 1,
        skip_if_invalid: bool = False,
    ) -> int:
        """Brian2's `connect`; returns the number of synapses made."""
    def connect_arrays(
        self, synapses: Group, i: npt.NDArray[np.int64], j: npt.NDArray[np.int64]
    ) -> int: ...
    def add_timed_array(
        self, name: str, dt: float, values: npt.ArrayLike, dims: Dims | None = None
    ) -> None: ...
    def add_poisson_input(
        self,
        target: Side,
        variable: str,
        n: int,
        rate: float,
        weight: str,
        when: str = "synapses",
        order: int = 0,
        name: str | None = None,
    ) -> None: ...
    def link(
        self,
        target: Group,
        variable: str,
        source: Group,
        source_variable: str,
        index: Sequence[int] | None = None,
    ) -> None: ...
    def run_regularly(
        self,
        group: Group,
        code: str,
        dt: float | None = None,
        when: str | None = None,
        order: int | None = None,
    ) -> None: ...
    def run_on_event(
        self,
        group: Group,
        event: str,
        code: str,
        when: str | None = None,
        order: int | None = None,
    ) -> None: ...
    def set_event_schedule(
        self, group: Group, event: str, when: str, order: int | None = None
    ) -> None: ...
    def group_named(self, name: str) -> Group | None: ...
    def groups(self) -> list[Group]: ...
    def size(self, group: Group) -> int: ...
    def variables(self, group: Group) -> dict[str, Tuple[list[float], str, bool]]:
        """The stored variables: name -> (dims, type, shared)."""
    def get_state(self, group: Group, variable: str) -> npt.NDArray[np.float64]: ...
    def set_values(
        self,
        group: Group,
        variable: str,
        values: npt.NDArray[np.float64],
        indices: Sequence[int] | None = None,
    ) -> None: ...
    def set_expression(
        self,
        group: Group,
        variable: str,
        expression: str,
        condition: str | None = None,
        indices: Sequence[int] | None = None,
    ) -> None: ...
    def add_spike_monitor(
        self,
        source: Side,
        event: str | None = None,
        variables: Sequence[str] | None = None,
        name: str | None = None,
        when: str | None = None,
        order: int | None = None,
        start: float | None = None,
        stop: float | None = None,
    ) -> Monitor: ...
    def add_state_monitor(
        self,
        source: Group,
        variables: Sequence[str],
        record: Sequence[int] | None = None,
        dt: float | None = None,
        name: str | None = None,
        when: str | None = None,
        order: int | None = None,
        start: float | None = None,
        stop: float | None = None,
    ) -> Monitor: ...
    def add_rate_monitor(
        self,
        source: Side,
        name: str | None = None,
        when: str | None = None,
        order: int | None = None,
        start: float | None = None,
        stop: float | None = None,
    ) -> Monitor: ...
    def monitors(self) -> list[Monitor]: ...
    def spike_data(self, monitor: Monitor) -> dict:
        """`{"i", "t", "count", "values": {var: array}}`."""
    def state_data(self, monitor: Monitor) -> dict:
        """`{"t", "indices", "values": {var: array (indices x times)}}`."""
    def rate_data(self, monitor: Monitor) -> dict:
        """`{"t", "rate"}`."""
    def run(
        self,
        duration: float,
        report: Callable[[float, float], None] | None = None,
        report_period: float = 10.0,
        tick: Callable[[], None] | None = None,
    ) -> None:
        """Runs with the GIL released; Ctrl-C raises KeyboardInterrupt at the next step."""
    def store(self) -> Snapshot: ...
    def restore(self, snapshot: Snapshot) -> None: ...
    def scheduling_summary(self) -> str: ...
    def warnings(self) -> str: ...
    def compile_times(self) -> list[Tuple[str, float]]: ...

def unit_expression(exponents: Dims) -> str:
    """The unit expression of the model language for dimensions (`volt`, `siemens/metre**2`, `1`)."""

def segment_durations(net: Network) -> list[float]:
    """The durations of the segments of the model file a network was built from."""
