using System;

namespace PfaAzureDevOps.TestServers
{
    /// <summary>
    /// One local Azure DevOps per test process (a Pester worker), lent to one test session at a time: starting an emulator
    /// costs about 0.7 CPU s until it has answered its first request, and its endpoints' JIT again as each is first used, so
    /// the files of a worker reuse one instead of starting their own. <see cref="Lease"/> starts it on first use and
    /// otherwise resets it to the state of a fresh start (see <see cref="LocalAzureDevOps.Reset"/>), with the SSH and
    /// callback options the session asks for (a server that has exited or does not reset is replaced, and the reason
    /// written to stderr, the worker's log); a session that asks while the server is lent (a nested session) gets none
    /// and starts its own. <see cref="Stop"/> (the worker's end) stops it; its watchdog stops it when the process is gone.
    /// </summary>
    public static class WorkerAzureDevOps
    {
        private static readonly object Gate = new object();
        private static LocalAzureDevOps? _server;
        private static bool _lent;
        private static double _reapedCpuSeconds;
        private static int _replaced;

        /// <summary>
        /// CPU seconds of the servers this process stopped before its end (a server replaced in <see cref="Lease"/>, or
        /// one a test stopped with <see cref="Stop"/>), measured around each stop as this process's children's CPU: a
        /// test file during which it happened is charged that server's whole life, so the runner can subtract it there
        /// and count it with the shared servers instead.
        /// </summary>
        public static double ReapedCpuSeconds
        {
            get
            {
                lock (Gate)
                {
                    return _reapedCpuSeconds;
                }
            }
        }

        /// <summary>How many times <see cref="Lease"/> replaced a server that had exited or did not reset.</summary>
        public static int Replaced
        {
            get
            {
                lock (Gate)
                {
                    return _replaced;
                }
            }
        }

        /// <summary>The server, running or not (null before the first lease and after <see cref="Stop"/>).</summary>
        public static LocalAzureDevOps? Current
        {
            get
            {
                lock (Gate)
                {
                    return _server;
                }
            }
        }

        /// <summary>
        /// The worker's server, fresh for the caller: started now, or reset (a server that has exited or does not reset
        /// is replaced by a new one). Null when it is lent already: the caller then starts its own.
        /// </summary>
        public static LocalAzureDevOps? Lease(LocalAzureDevOpsOptions options)
        {
            if (options.DataDirectory != null)
            {
                throw new ArgumentException("The worker's server keeps its data in a folder of its own: start a server of your own for a given DataDirectory.", nameof(options));
            }

            lock (Gate)
            {
                if (_lent)
                {
                    return null;
                }

                if (_server != null)
                {
                    try
                    {
                        if (!_server.IsRunning)
                        {
                            throw new InvalidOperationException("the worker's local Azure DevOps is no longer running");
                        }

                        _server.Reset(options.AllowHttpCallbacks, options.WithSsh, options.Timeout);
                    }
                    catch (Exception ex) when (ex is InvalidOperationException || ex is System.Net.Http.HttpRequestException || ex is System.Threading.Tasks.TaskCanceledException)
                    {
                        // Not reusable (stopped, or a request of the previous user would not end): a new one instead,
                        // said in the worker's log (stderr), so a reset that no longer works shows instead of silently
                        // costing every later file a new start.
                        _replaced++;
                        Console.Error.WriteLine($"WorkerAzureDevOps: replacing the worker's local Azure DevOps ({_server.HttpUrl}, replacement {_replaced}): {ex.GetType().Name}: {ex.Message}");
                        StopServer();
                    }
                }

                _server ??= LocalAzureDevOps.Start(options);
                _lent = true;
                return _server;
            }
        }

        /// <summary>Ends the caller's lease (Exit-TestSession); the server keeps running for the next one.</summary>
        public static void Release(LocalAzureDevOps server)
        {
            lock (Gate)
            {
                if (ReferenceEquals(server, _server))
                {
                    _lent = false;
                }
            }
        }

        /// <summary>Stops the server (SIGTERM, then SIGKILL) and removes its folders; the next lease starts a new one.</summary>
        public static void Stop()
        {
            lock (Gate)
            {
                StopServer();
                _lent = false;
            }
        }

        /// <summary>
        /// The CPU seconds of this process's children it has waited for (Linux /proc/self/stat cutime+cstime, at 100
        /// ticks/s, as build/BuildTools.psm1 Get-CpuSeconds); 0 where there is no /proc.
        /// </summary>
        public static double ChildrenCpuSeconds()
        {
            try
            {
                string stat = System.IO.File.ReadAllText("/proc/self/stat");
                string[] fields = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
                return (long.Parse(fields[13], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[14], System.Globalization.CultureInfo.InvariantCulture)) / 100.0;
            }
            catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException || ex is FormatException || ex is IndexOutOfRangeException)
            {
                return 0;
            }
        }

        // Under Gate: stops the server and adds what it reaped to ReapedCpuSeconds.
        private static void StopServer()
        {
            if (_server == null)
            {
                return;
            }

            double before = ChildrenCpuSeconds();
            _server.Dispose();
            _server = null;
            _reapedCpuSeconds += ChildrenCpuSeconds() - before;
        }
    }
}
