#!/usr/bin/env sysbench
-- One event = one booking as the application makes it: hold one seat on a random trip with
-- create_reservation, then pay it with pay_reservation (two CALLs, two durable transactions);
-- with --call=purchase, one CALL of purchase that holds and pays in one transaction.
-- The trips are bench trips numbered first_trip .. first_trip + trips - 1, economy, price 10.00
-- EUR (bench/booking.py creates them). Deadlocks and lock wait timeouts (1213, 1205) are retried
-- by sysbench (--mysql-ignore-errors), like the harness does; SOLD_OUT (50003) is ignored too
-- for sellout runs, where it is the expected answer once the seats are gone, and DUPLICATE
-- (50005) is retried: 69436a2's procedures run out of booking references (bench/booking.py).

sysbench.cmdline.options = {
    first_trip = {"Id of the first bench trip", 1},
    trips = {"How many trips to spread the bookings over (1 = one hot trip)", 1000},
    user_id = {"The customer booking", 1},
    call = {"hold_pay (create_reservation + pay_reservation) or purchase", "hold_pay"},
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

local purchases = 0

-- A key unique to this thread and event, so no purchase replays another.
local function purchase(trip)
    purchases = purchases + 1
    return con:query(string.format(
        "CALL purchase(%d, '[{\"trip_id\": %d, \"fare_class\": \"economy\"}]', " ..
        "'[{\"full_name\": \"Bench Traveller\"}]', 10.00, 'EUR', 'card', 'sb-%d-%d-%d', @r, @p)",
        sysbench.opt.user_id, trip, os.time(), sysbench.tid, purchases))
end

function event()
    local trip = sysbench.opt.first_trip + sysbench.rand.uniform(0, sysbench.opt.trips - 1)
    if sysbench.opt.call == "purchase" then
        local ok, err = pcall(purchase, trip)
        if not ok and not sold_out(err) then
            error(err, 0)
        end
        return
    end
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
