# reach.rb — Ruby clients for the runtime tests (tests/integration/test_reach_ruby.py).
#
#   ruby reach.rb http URL                          Net::HTTP GET; prints status and body
#   ruby reach.rb redis PORT                        redis-rb: SET, GET, DEL, INCR, a pipeline
#                                                   (lower-case on the wire, as redis-rb sends them)
#   ruby reach.rb mysql2 PORT USER PASSWORD         mysql2 (libmariadb): a query with a literal, a
#                                                   prepared statement
require "net/http"

mode = ARGV.shift
case mode
when "http"
  res = Net::HTTP.get_response(URI(ARGV[0]))
  puts "#{res.code} #{res.body}"
when "redis"
  require "redis"
  r = Redis.new(host: "127.0.0.1", port: Integer(ARGV[0]))
  r.set("reach:rb", "v1")
  puts r.get("reach:rb")
  r.del("reach:rb:n")
  puts r.incr("reach:rb:n")
  puts r.pipelined { |p| p.get("reach:rb"); p.get("reach:rb") }.inspect
  r.close
when "mysql2"
  require "mysql2"
  port, user, password = Integer(ARGV[0]), ARGV[1], ARGV[2]
  c = Mysql2::Client.new(host: "127.0.0.1", port: port, username: user, password: password, database: "test")
  c.query("SELECT body FROM messages WHERE id = 1").each { |row| puts row["body"] }
  st = c.prepare("SELECT body FROM messages WHERE id = ?")
  st.execute(3).each { |row| puts row["body"] }
  c.close
else
  abort "usage: reach.rb http URL | redis PORT | mysql2 PORT USER PASSWORD"
end
