#!/usr/bin/env sysbench
-- One event = one booking as the application makes it: hold one seat on a random trip with
-- create_reservation, then pay it with pay_reservation (two CALLs, two durable transactions).
-- The trips are bench trips numbered first_trip .. first_trip + trips - 1, economy, price 10.00
-- EUR (bench/booking.py creates them). Deadlocks and lock wait timeouts (1213, 1205) are retried
-- by sysbench (--mysql-ignore-errors), like the harness does; SOLD_OUT (50003) is ignored too
-- for sellout runs, where it is the expected answer once the seats are gone.

sysbench.cmdline.options = {
    first_trip = {"Id of the first bench trip", 1},
    trips = {"How many trips to spread the bookings over (1 = one hot trip)", 1000},
    user_id = {"The customer booking", 1},
}

function thread_init()
    drv = sysbench.sql.driver()
    con = drv:connect()
end

function thread_done()
    con:disconnect()
end

-- SOLD_OUT ends the event as a refusal: sysbench would otherwise restart it forever, past --time.
local function sold_out(err)
    return type(err) == "table" and err.sql_errno == 50003
end

function event()
    local trip = sysbench.opt.first_trip + sysbench.rand.uniform(0, sysbench.opt.trips - 1)
    local ok, err = pcall(con.query, con, string.format(
        "CALL create_reservation(%d, '[{\"trip_id\": %d, \"fare_class\": \"economy\"}]', " ..
        "'[{\"full_name\": \"Bench Traveller\"}]', @r)", sysbench.opt.user_id, trip))
    if not ok then
        if sold_out(err) then
            return
        end
        error(err, 0)  -- a deadlock or lock wait timeout: sysbench restarts the event
    end
    con:query(string.format(
        "CALL pay_reservation(@r, %d, 10.00, 'EUR', 'card', CONCAT('sb-', @r), @p)", sysbench.opt.user_id))
end
