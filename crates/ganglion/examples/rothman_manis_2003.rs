//! Rothman_Manis_2003 through the Rust API: the twin of `examples/brian2/rothman_manis_2003.toml` (Brian2's
//! `examples/frompapers/Rothman_Manis_2003.py`): the cochlear nucleus neuron model of Rothman & Manis (2003),
//! J Neurophysiol 89:3097-113. All cell types differ only by their maximal conductances; pick one with
//! `NEURON_TYPE` (the source's choice, type1c, by default). 50 ms to rest, then a 250 pA step for 100 ms.
//! Prints the times of the action potentials (upward crossings of -20 mV).
//!
//! `cargo run --release -p ganglion --example rothman_manis_2003 [type1c|type1t|type12|type21|type2|type2o]`

use ganglion::{BackendChoice, Error, Network, NeuronGroup, Record, StateMonitor};
use ganglion_units::Quantity;

fn q(s: &str) -> Quantity {
    Quantity::parse(s).expect("a valid quantity")
}

/// The source's type, the one the test compares with Brian2.
pub const NEURON_TYPE: &str = "type1c";

/// Maximal conductances of the cell types in nS: gnabar, gkhtbar, gkltbar, gkabar, ghbar, gbarno, gl.
pub const MAXIMAL_CONDUCTANCES: [(&str, [f64; 7]); 6] = [
    ("type1c", [1000.0, 150.0, 0.0, 0.0, 0.5, 0.0, 2.0]),
    ("type1t", [1000.0, 80.0, 0.0, 65.0, 0.5, 0.0, 2.0]),
    ("type12", [1000.0, 150.0, 20.0, 0.0, 2.0, 0.0, 2.0]),
    ("type21", [1000.0, 150.0, 35.0, 0.0, 3.5, 0.0, 2.0]),
    ("type2", [1000.0, 150.0, 200.0, 0.0, 20.0, 0.0, 2.0]),
    ("type2o", [1000.0, 150.0, 600.0, 0.0, 0.0, 40.0, 2.0]), // octopus cell
];

const EQS: &str = "
dv/dt = (ileak + ina + ikht + iklt + ika + ih + ihcno + I)/C : volt
vu = v/mV : 1  # unitless v
I : amp
# Leak
ileak = gl*(El-v) : amp
# Ka channel (transient K+)
ika = gkabar*a**4*b*c*(EK-v): amp
da/dt=q10*(ainf-a)/atau : 1
db/dt=q10*(binf-b)/btau : 1
dc/dt=q10*(cinf-c)/ctau : 1
ainf = (1. / (1 + exp(-(vu + 31) / 6.)))**0.25 : 1
binf = 1. / (1 + exp((vu + 66) / 7.))**0.5 : 1
cinf = 1. / (1 + exp((vu + 66) / 7.))**0.5 : 1
atau =  ((100. / (7*exp((vu+60) / 14.) + 29*exp(-(vu+60) / 24.))) + 0.1)*ms : second
btau =  ((1000. / (14*exp((vu+60) / 27.) + 29*exp(-(vu+60) / 24.))) + 1)*ms : second
ctau = ((90. / (1 + exp((-66-vu) / 17.))) + 10)*ms : second
# Classical Na channel
ina = gnabar*m**3*h*(ENa-v) : amp
dm/dt=q10*(minf-m)/mtau : 1
dh/dt=q10*(hinf-h)/htau : 1
minf = 1./(1+exp(-(vu + 38.) / 7.)) : 1
hinf = 1./(1+exp((vu + 65.) / 6.)) : 1
mtau =  ((10. / (5*exp((vu+60.) / 18.) + 36.*exp(-(vu+60.) / 25.))) + 0.04)*ms : second
htau =  ((100. / (7*exp((vu+60.) / 11.) + 10.*exp(-(vu+60.) / 25.))) + 0.6)*ms : second
# Ih channel (subthreshold adaptive, non-inactivating)
ih = ghbar*r*(Eh-v) : amp
dr/dt=q10*(rinf-r)/rtau : 1
rinf = 1. / (1+exp((vu + 76.) / 7.)) : 1
rtau = ((100000. / (237.*exp((vu+60.) / 12.) + 17.*exp(-(vu+60.) / 14.))) + 25.)*ms : second
# KLT channel (low threshold K+)
iklt = gkltbar*w**4*z*(EK-v) : amp
dw/dt=q10*(winf-w)/wtau : 1
dz/dt=q10*(zinf-z)/ztau : 1
winf = (1. / (1 + exp(-(vu + 48.) / 6.)))**0.25 : 1
zinf = zss + ((1.-zss) / (1 + exp((vu + 71.) / 10.))) : 1
wtau = ((100. / (6.*exp((vu+60.) / 6.) + 16.*exp(-(vu+60.) / 45.))) + 1.5)*ms : second
ztau = ((1000. / (exp((vu+60.) / 20.) + exp(-(vu+60.) / 8.))) + 50)*ms : second
# KHT channel (delayed-rectifier K+)
ikht = gkhtbar*(nf*n**2 + (1-nf)*p)*(EK-v) : amp
dn/dt=q10*(ninf-n)/ntau : 1
dp/dt=q10*(pinf-p)/ptau : 1
ninf =   (1 + exp(-(vu + 15) / 5.))**-0.5 : 1
pinf =  1. / (1 + exp(-(vu + 23) / 6.)) : 1
ntau =  ((100. / (11*exp((vu+60) / 24.) + 21*exp(-(vu+60) / 23.))) + 0.7)*ms : second
ptau = ((100. / (4*exp((vu+60) / 32.) + 5*exp(-(vu+60) / 22.))) + 5)*ms : second
# h current for octopus cells
ihcno = gbarno*(h1*frac + h2*(1-frac))*(Eh-v) : amp
dh1/dt=(hinfno-h1)/tau1 : 1
dh2/dt=(hinfno-h2)/tau2 : 1
hinfno = 1./(1+exp((vu+66.)/7.)) : 1
tau1 = bet1/(qt*0.008*(1+alp1))*ms : second
tau2 = bet2/(qt*0.0029*(1+alp2))*ms : second
alp1 = exp(1e-3*3*(vu+50)*9.648e4/(8.315*(273.16+temp))) : 1
bet1 = exp(1e-3*3*0.3*(vu+50)*9.648e4/(8.315*(273.16+temp))) : 1
alp2 = exp(1e-3*3*(vu+84)*9.648e4/(8.315*(273.16+temp))) : 1
bet2 = exp(1e-3*3*0.6*(vu+84)*9.648e4/(8.315*(273.16+temp))) : 1
";

/// Builds the example's network for one cell type (one of [`MAXIMAL_CONDUCTANCES`]) and runs it.
pub fn simulate(backend: BackendChoice, neuron_type: &str) -> Result<Network, Error> {
    let (_, g) = MAXIMAL_CONDUCTANCES
        .iter()
        .find(|(t, _)| *t == neuron_type)
        .unwrap_or_else(|| panic!("unknown neuron type `{neuron_type}`"));
    let mut net = Network::new(backend);
    net.set_dt(1e-4)?; // the source suggests 0.025*ms for better precision
    let temp = 22.0; // temperature in degree celcius
    for (name, value) in [
        ("Ipulse", "250*pA"),
        ("C", "12*pF"),
        ("Eh", "-43*mV"),
        ("EK", "-70*mV"), // -77*mV in mod file
        ("El", "-65*mV"),
        ("ENa", "50*mV"),
    ] {
        net.set_constant(name, q(value));
    }
    let plain = |x: f64| Quantity::dimensionless(x);
    net.set_constant("nf", plain(0.85)); // proportion of n vs p kinetics
    net.set_constant("zss", plain(0.5)); // steady state inactivation of glt
    net.set_constant("temp", plain(temp));
    net.set_constant("q10", plain(3f64.powf((temp - 22.0) / 10.0)));
    net.set_constant("frac", plain(0.0)); // hcno current (octopus cell)
    net.set_constant("qt", plain(4.5f64.powf((temp - 33.0) / 10.0)));
    let names = [
        "gnabar", "gkhtbar", "gkltbar", "gkabar", "ghbar", "gbarno", "gl",
    ];
    for (name, value) in names.iter().zip(g) {
        net.set_constant(name, *value * q("nS"));
    }
    let neuron = net.add_group(
        NeuronGroup::new(1, EQS)
            .method("exponential_euler")
            .name("neuron"),
    )?;
    net.set(neuron, "v", "El")?;
    // Brian2 creates the StateMonitor after the first run; here it records from 50 ms on.
    net.add_state_monitor(
        StateMonitor::new(neuron, ["v"])
            .record(Record::Indices(vec![0]))
            .start(50e-3)
            .name("M"),
    )?;
    net.run(50e-3)?; // Go to rest
    net.set(neuron, "I", "Ipulse")?;
    net.run(100e-3)?;
    Ok(net)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let neuron_type = std::env::args()
        .nth(1)
        .unwrap_or_else(|| NEURON_TYPE.to_string());
    let net = simulate(BackendChoice::Jit, &neuron_type)?;
    let data = net.state_data(net.monitors()[0]).expect("a state monitor");
    let v = &data.values[0].1[0];
    let peaks: Vec<String> = (1..v.len())
        .filter(|&k| v[k] > -0.02 && v[k - 1] <= -0.02)
        .map(|k| format!("{:.1}", data.t[k] * 1e3))
        .collect();
    println!(
        "Rothman_Manis_2003 ({neuron_type}): {} action potentials, at {} ms",
        peaks.len(),
        peaks.join(", ")
    );
    Ok(())
}
