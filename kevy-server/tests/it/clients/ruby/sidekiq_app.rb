# A Sidekiq 6 application against the server on port ARGV[0]: jobs pushed
# one by one and in bulk over two weighted queues, a scheduled job, a job
# that fails (retried by hand through the API, then dead), a real
# `sidekiq` process working them, and the Web UI's API reading the state.
# Prints `name value` lines for kevy-server's test (`sidekiq.rs`).
$stderr.reopen(File::NULL) unless ENV['KEVY_TRACE']
require 'sidekiq'
require 'sidekiq/api'

URL = "redis://127.0.0.1:#{ARGV.fetch(0)}/0"
Sidekiq.configure_server do |c|
  c.redis = { url: URL }
  c.average_scheduled_poll_interval = 1
end
Sidekiq.configure_client { |c| c.redis = { url: URL } }

class AddJob
  include Sidekiq::Worker
  def perform(a, b)
    Sidekiq.redis { |r| r.rpush('results', (a + b).to_s) }
  end
end

class UrgentJob
  include Sidekiq::Worker
  sidekiq_options queue: 'critical'
  def perform(n)
    Sidekiq.redis { |r| r.incrby('urgent', n) }
  end
end

class FailJob
  include Sidekiq::Worker
  sidekiq_options retry: 1
  def perform(x)
    raise "boom #{x}"
  end
end

# The worker process: this file again, with the jobs' classes.
if ARGV[1] == 'worker'
  require 'sidekiq/cli'
  cli = Sidekiq::CLI.instance
  cli.parse(['-r', __FILE__, '-c', '5', '-q', 'critical,2', '-q', 'default,1'])
  cli.run
  exit
end

def wait_for(what, seconds = 60)
  deadline = Time.now + seconds
  until yield
    raise "timed out waiting for #{what}" if Time.now > deadline
    sleep 0.1
  end
end

def line(name, value)
  puts "#{name} #{value}"
  $stdout.flush
end

Sidekiq.redis(&:flushall)
100.times { |i| AddJob.perform_async(i, 1) }
Sidekiq::Client.push_bulk('class' => AddJob, 'args' => (100...200).map { |i| [i, 1] })
10.times { UrgentJob.perform_async(3) }
AddJob.perform_in(2, 1000, 1)
FailJob.perform_async(7)
line 'enqueued_before', Sidekiq::Stats.new.enqueued
line 'scheduled_before', Sidekiq::ScheduledSet.new.size
line 'queues_before', Sidekiq::Queue.all.map(&:name).sort.join(',')
line 'default_size_before', Sidekiq::Queue.new('default').size

pid = spawn(RbConfig.ruby, __FILE__, ARGV[0], 'worker', out: File::NULL, err: File::NULL)
begin
  wait_for('the jobs') do
    Sidekiq.redis { |r| r.llen('results') } >= 201 && Sidekiq::RetrySet.new.size >= 1
  end
  line 'processes', Sidekiq::ProcessSet.new.size
  res = Sidekiq.redis { |r| r.lrange('results', 0, -1) }.map(&:to_i)
  line 'results', res.size
  line 'results_sum', res.sum
  line 'results_distinct', res.uniq.size
  line 'urgent', Sidekiq.redis { |r| r.get('urgent') }
  retried = Sidekiq::RetrySet.new.first
  line 'retry_class', retried.klass
  line 'retry_error', retried['error_message'].inspect
  line 'retry_count', retried['retry_count']
  # Retry now, through the API: the second failure makes it dead.
  Sidekiq::RetrySet.new.retry_all
  wait_for('the dead job') { Sidekiq::DeadSet.new.size >= 1 }
  dead = Sidekiq::DeadSet.new.first
  line 'dead_args', dead.args.inspect
  line 'retry_after', Sidekiq::RetrySet.new.size
  wait_for('the counters') { Sidekiq::Stats.new.processed >= 212 && Sidekiq::Stats.new.failed >= 2 }
  stats = Sidekiq::Stats.new
  line 'processed', stats.processed
  line 'failed', stats.failed
  line 'enqueued_after', stats.enqueued
  line 'scheduled_after', stats.scheduled_size
  line 'default_latency', Sidekiq::Queue.new('default').latency
ensure
  Process.kill('TERM', pid)
  Process.wait(pid)
end
wait_for('the heartbeat to go') { Sidekiq::ProcessSet.new.size.zero? }
line 'processes_after', Sidekiq::ProcessSet.new.size
Sidekiq::DeadSet.new.clear
line 'dead_after', Sidekiq::DeadSet.new.size
line 'done', 'yes'
