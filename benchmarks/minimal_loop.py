"""The yardstick of the simulator's speed: the line follower as one flat pure-Python loop.

The same physics and control as a robokit run of benchmarks/programs/line_follower_endless.py
on `oval` (the standard rover), with nothing but local floats in the loop:

- two DC motors in closed form (robokit.sim.motor's model: the exact solution over a
  step at constant voltage, Coulomb friction, the robot's mass on the wheels);
- the body along the exact arc of the two wheels' travel;
- the colour sensor's footprint mean, read from the world's footprint table (bilinear,
  as robokit.sim.surface.FootprintSampler);
- the drive base's two axes (distance, heading) at 5 ms: a speed reference ramping at
  the configured acceleration, PD on its error with the torque limit, and the back-EMF
  and friction feed-forward into volts, clamped to the battery;
- the program's PD at 10 ms (each device call costs 50 µs of simulated time, as in
  robokit), drive() retargeting the running references.

Every constant is read from robokit's own objects at set-up (not timed). It is what the
simulator could cost with no plumbing at all: `benchmarks/sim_speed.py` prints robokit's
real-time factor as a fraction of this one's, and how far apart the two end.

    python benchmarks/minimal_loop.py [--duration S]
"""

from __future__ import annotations

import argparse
import math
import time
from typing import Any

EDGE = 51  # the program's set point, % reflection
SPEED = 200.0  # mm/s
KP, KD = 2.5, 2.0


def setup() -> dict[str, Any]:
    """The constants of the standard rover on `oval`, from robokit's own objects."""
    from robokit.config import standard_rover
    from robokit.sim import SimBrick
    from robokit.sim.brick import CALL_COST_US, COLOR_FOOTPRINT_MM, PHYSICS_RESOLUTION_US
    from robokit.sim.world import load_world

    world = load_world("oval")
    cfg = standard_rover()
    brick = SimBrick(world, cfg)
    with brick.attached():
        from robokit.devices.robot import Robot

        robot = Robot()
        db = robot.drive_base
        lm = robot.left_motor
        cd, ch = db.distance_control, db.heading_control
        c = {"kp_d": cd.kp, "kd_d": cd.kd, "tmax_d": cd.torque_max,
             "kp_h": ch.kp, "kd_h": ch.kd, "tmax_h": ch.torque_max,
             "counts_per_mm": db._kd, "counts_per_deg": db._kh,
             "acc_d": cd.accel, "acc_h": ch.accel,
             "r": lm._r, "ke": lm._ke, "fric_mv": lm._fric_mv,
             "vlim": min(lm._max_mv, brick.battery()[0])}
    m = brick._lm  # both wheels have the same motor model and load
    c.update(beta=m._beta, gv=m._gv, fc=m._fc, lim_mv=m._lim_mv,
             mm_per_deg=abs(brick._kl), track=brick._track, call_us=CALL_COST_US,
             phys_us=PHYSICS_RESOLUTION_US)
    eye = cfg["devices"]["color_sensor"]
    c.update(sx=eye["x"], sy=eye["y"], start=tuple(world.start))
    sampler = world.surface.sampler(COLOR_FOOTPRINT_MM)
    c.update(sampler=sampler, means=sampler._means, mx0=sampler._x0, my0=sampler._y0,
             inv_px=sampler._inv_px, nx=sampler._nx, ny=sampler._ny)
    return c


def run(c: dict[str, Any], duration_s: float) -> tuple[float, float, float, float]:
    """Simulate ``duration_s`` seconds; (x mm, y mm, heading deg, wall s)."""
    kp_d, kd_d, tmax_d = c["kp_d"], c["kd_d"], c["tmax_d"]
    kp_h, kd_h, tmax_h = c["kp_h"], c["kd_h"], c["tmax_h"]
    cpm, cpd = c["counts_per_mm"], c["counts_per_deg"]
    acc_d, acc_h = c["acc_d"], c["acc_h"]
    r_ohm, ke, fric, vlim = c["r"], c["ke"], c["fric_mv"], c["vlim"]
    beta, gv, fc, lim = c["beta"], c["gv"], c["fc"], c["lim_mv"]
    inv_beta = 1.0 / beta
    k_mm, track = c["mm_per_deg"], c["track"]
    sx, sy = c["sx"], c["sy"]
    means, mx0, my0, inv_px, nx, ny = (c["means"], c["mx0"], c["my0"], c["inv_px"],
                                       c["nx"], c["ny"])
    sampler = c["sampler"]
    call_us, phys_us = c["call_us"], c["phys_us"]
    x, y, h0 = c["start"]
    h = math.radians(h0)
    exp = math.exp
    cos, sin = math.cos, math.sin
    # the wheels, forward positive: angle (deg) and speed (deg/s) of each motor shaft
    al = ar = wl = wr = 0.0
    vl_cmd = vr_cmd = 0.0  # volts applied
    # the two axes' references (counts, counts/s): start, ramp, target
    rd_t0 = rh_t0 = 0.0
    rd_x0 = rd_v0 = rd_tgt = rh_x0 = rh_v0 = rh_tgt = 0.0
    active = False
    last_error = 0.0
    end_us = int(duration_s * 1e6)
    t_phys = 0  # µs the physics has reached
    next_tick = 0  # the next 5 ms control tick
    next_prog = 0  # the program's next step
    wall0 = time.perf_counter()
    while True:
        t = next_tick if next_tick <= next_prog else next_prog
        if t >= end_us:
            t = end_us
        # -- physics up to t (closed-form motors, the exact arc) -------------------------
        tp = t - t % phys_us if t != next_tick else t
        if tp > t_phys:
            dt = (tp - t_phys) * 1e-6
            t_phys = tp
            e = exp(-beta * dt)
            cc = (1.0 - e) * inv_beta
            a0l, a0r = al, ar
            for side in (0, 1):
                w, v = (wl, vl_cmd) if side == 0 else (wr, vr_cmd)
                if w == 0.0 and -fc <= gv * v <= fc:  # standing, too little voltage to start
                    continue
                s = w if w != 0.0 else v
                winf = (gv * v - (fc if s > 0.0 else -fc)) * inv_beta
                d = w - winf
                w1 = winf + d * e
                da = winf * dt + d * cc
                if w != 0.0 and (w1 > 0.0) != (w > 0.0):  # friction stopped it in the step
                    w1 = 0.0
                if side == 0:
                    al += da
                    wl = w1
                else:
                    ar += da
                    wr = w1
            dl = (al - a0l) * k_mm
            dr = (ar - a0r) * k_mm
            ds = 0.5 * (dl + dr)
            half = 0.5 * (dl - dr) / track  # clockwise: the left wheel runs ahead
            if -1e-3 < half < 1e-3:
                h2 = half * half
                chord = ds * (1.0 - h2 / 6.0 + h2 * h2 / 120.0)
            else:
                chord = ds * sin(half) / half
            mid = h - half
            x += chord * cos(mid)
            y += chord * sin(mid)
            h = mid - half
        if t >= end_us:
            break
        if t == next_tick:
            # -- the drive base's 5 ms tick: both axes' PD and feed-forward -----------------
            next_tick += 5000
            if active:
                xd = (al + ar) * 0.5
                vd = (wl + wr) * 0.5
                xh = (al - ar) * 0.5
                vh = (wl - wr) * 0.5
                ts = (t - rd_t0) * 1e-6
                dv = rd_tgt - rd_v0
                ramp = abs(dv) / acc_d
                if ts < ramp:
                    a = acc_d if dv > 0.0 else -acc_d
                    vrd = rd_v0 + a * ts
                    xrd = rd_x0 + (rd_v0 + 0.5 * a * ts) * ts
                else:
                    vrd = rd_tgt
                    xrd = rd_x0 + 0.5 * (rd_v0 + rd_tgt) * ramp + rd_tgt * (ts - ramp)
                ts = (t - rh_t0) * 1e-6
                dv = rh_tgt - rh_v0
                ramp = abs(dv) / acc_h
                if ts < ramp:
                    a = acc_h if dv > 0.0 else -acc_h
                    vrh = rh_v0 + a * ts
                    xrh = rh_x0 + (rh_v0 + 0.5 * a * ts) * ts
                else:
                    vrh = rh_tgt
                    xrh = rh_x0 + 0.5 * (rh_v0 + rh_tgt) * ramp + rh_tgt * (ts - ramp)
                td = kp_d * (xrd - xd) + kd_d * (vrd - vd)
                td = tmax_d if td > tmax_d else -tmax_d if td < -tmax_d else td
                th = kp_h * (xrh - xh) + kd_h * (vrh - vh)
                th = tmax_h if th > tmax_h else -tmax_h if th < -tmax_h else th
                ml = (td + th) * r_ohm + ke * (vrd + vrh)
                vr_ = vrd + vrh
                ml += fric if vr_ > 0.0 else -fric if vr_ < 0.0 else 0.0
                mr = (td - th) * r_ohm + ke * (vrd - vrh)
                vr_ = vrd - vrh
                mr += fric if vr_ > 0.0 else -fric if vr_ < 0.0 else 0.0
                ml = vlim if ml > vlim else -vlim if ml < -vlim else ml
                mr = vlim if mr > vlim else -vlim if mr < -vlim else mr
                ml = lim if ml > lim else -lim if ml < -lim else ml
                mr = lim if mr > lim else -lim if mr < -lim else mr
                vl_cmd = ml * 0.001
                vr_cmd = mr * 0.001
            continue
        # -- the program: error = eye.reflection() - EDGE; drive(...); wait(10) ---------------
        t += call_us  # reflection()
        hc, hs = cos(h), sin(h)
        px = x + hc * sx - hs * sy
        py = y + hs * sx + hc * sy
        fx = (px - mx0) * inv_px
        fy = (py - my0) * inv_px
        i = int(fx)
        j = int(fy)
        if fx < 0.0 or fy < 0.0 or i >= nx - 1 or j >= ny - 1:
            rr, gg, bb = sampler.rgb(px, py)
        else:
            ax_ = fx - i
            ay_ = fy - j
            p = (j * nx + i) * 3
            q = p + nx * 3
            w00 = (1.0 - ax_) * (1.0 - ay_)
            w10 = ax_ * (1.0 - ay_)
            w01 = (1.0 - ax_) * ay_
            w11 = ax_ * ay_
            rr = w00 * means[p] + w10 * means[p + 3] + w01 * means[q] + w11 * means[q + 3]
            gg = (w00 * means[p + 1] + w10 * means[p + 4] + w01 * means[q + 1]
                  + w11 * means[q + 4])
            bb = (w00 * means[p + 2] + w10 * means[p + 5] + w01 * means[q + 2]
                  + w11 * means[q + 5])
        refl = int(round((rr + gg + bb) / 3.0))
        refl = 0 if refl < 0 else 100 if refl > 100 else refl
        error = refl - EDGE
        turn = KP * error + KD * (error - last_error)
        last_error = error
        t += call_us  # drive()
        # drive(): both references restart from where they are now, towards the new speeds
        if active:
            for axis in (0, 1):
                t0, x0, v0, tgt, acc = ((rd_t0, rd_x0, rd_v0, rd_tgt, acc_d) if axis == 0
                                        else (rh_t0, rh_x0, rh_v0, rh_tgt, acc_h))
                ts = (t - t0) * 1e-6
                dv = tgt - v0
                ramp = abs(dv) / acc
                if ts < ramp:
                    a = acc if dv > 0.0 else -acc
                    v_now = v0 + a * ts
                    x_now = x0 + (v0 + 0.5 * a * ts) * ts
                else:
                    v_now = tgt
                    x_now = x0 + 0.5 * (v0 + tgt) * ramp + tgt * (ts - ramp)
                if axis == 0:
                    rd_t0, rd_x0, rd_v0 = t, x_now, v_now
                else:
                    rh_t0, rh_x0, rh_v0 = t, x_now, v_now
        else:
            active = True
            rd_t0 = rh_t0 = t
            rd_x0, rd_v0 = (al + ar) * 0.5, (wl + wr) * 0.5
            rh_x0, rh_v0 = (al - ar) * 0.5, (wl - wr) * 0.5
        rd_tgt = SPEED * cpm
        rh_tgt = turn * cpd
        next_prog = t + 10_000
    wall = time.perf_counter() - wall0
    return x, y, math.degrees(h), wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=60.0)
    args = ap.parse_args()
    c = setup()
    x, y, hdg, wall = run(c, args.duration)
    print(f"minimal loop: {args.duration:.0f} s in {wall * 1000:.0f} ms "
          f"= {args.duration / wall:.0f}x real time; ends at x={x:.1f} y={y:.1f} "
          f"heading={hdg:.1f}")


if __name__ == "__main__":
    main()
