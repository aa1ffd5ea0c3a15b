using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace PfaAzureDevOps.NetFx.Tests
{
    /// <summary>
    /// The packaged module as Windows PowerShell 5.1 would use it: out/PfaAzureDevOps/&lt;version&gt; (or
    /// PFA_NETFX_MODULE_ROOT), its cmdlets assembly loaded by path and its own resolver installed, exactly the
    /// NetFrameworkDependencyResolver.Install the module initializer calls on .NET Framework. The engine is then found only
    /// through that resolver: nothing of its closure sits beside this test assembly.
    /// </summary>
    internal static class NetFxModule
    {
        private static readonly object Gate = new object();
        private static Assembly? _cmdlets;

        /// <summary>
        /// The folder this test assembly was built to (bin/&lt;configuration&gt;/net472), from its code base, which a shadow copy
        /// does not move. Not AppDomain.CurrentDomain.BaseDirectory: that is the runner's folder where a runner keeps the
        /// tests in its own domain (xunit.console -noappdomain), and a check of "beside this assembly" there could not fail.
        /// </summary>
        public static string TestFolder { get; } = Path.GetDirectoryName(new Uri(typeof(NetFxModule).Assembly.EscapedCodeBase).LocalPath)!;

        public static string ModuleRoot { get; } = FindModuleRoot();

        public static string NetfxFolder => Path.Combine(ModuleRoot, "dependencies", "netfx");

        public static bool OnMono => Type.GetType("Mono.Runtime") != null;

        /// <summary>Installs the module's resolver once per process (idempotent, like OnImport).</summary>
        public static Assembly Install()
        {
            lock (Gate)
            {
                if (_cmdlets == null)
                {
                    Assembly cmdlets = Assembly.LoadFrom(Path.Combine(ModuleRoot, "PfaAzureDevOps.dll"));
                    ResolverType(cmdlets).GetMethod("Install", BindingFlags.NonPublic | BindingFlags.Static)!.Invoke(null, new object[] { ModuleRoot });
                    // The module's resolver serves its dependencies only to the module's own assemblies. This test assembly
                    // stands where the cmdlets assembly stands (it calls the engine, whose API has ReadOnlySpan overloads),
                    // so its own requests get the same files, after the module's handler has had its turn.
                    AppDomain.CurrentDomain.AssemblyResolve += (_, args) =>
                    {
                        if (args.RequestingAssembly != typeof(NetFxModule).Assembly)
                        {
                            return null;
                        }

                        string candidate = Path.Combine(NetfxFolder, new AssemblyName(args.Name).Name + ".dll");
                        return File.Exists(candidate) ? Assembly.LoadFrom(candidate) : null;
                    };
                    _cmdlets = cmdlets;
                }

                return _cmdlets;
            }
        }

        public static Type ResolverType(Assembly cmdlets) =>
            cmdlets.GetType("PfaAzureDevOps.Internal.NetFrameworkDependencyResolver", throwOnError: true)!;

        /// <summary>The resolver's version rule (NetFrameworkDependencyResolver.Serves), called as the module calls it.</summary>
        public static bool Serves(AssemblyName requested, AssemblyName shipped) =>
            (bool)ResolverType(Install()).GetMethod("Serves", BindingFlags.NonPublic | BindingFlags.Static)!.Invoke(null, new object[] { requested, shipped })!;

        /// <summary>NetFrameworkDependencyResolver.Choose: the file handed out for a request, or null.</summary>
        public static string? Choose(string requestedName, string? requesterLocation) =>
            (string?)ResolverType(Install()).GetMethod("Choose", BindingFlags.NonPublic | BindingFlags.Static)!.Invoke(null, new object?[]
            {
                NetfxFolder, ModuleRoot, requestedName, requesterLocation,
                new Func<string, AssemblyName?>(p => File.Exists(p) ? AssemblyName.GetAssemblyName(p) : null),
            });

        /// <summary>Values the build's harness wrote (emulator URLs, the app, the sshd); empty when run without it.</summary>
        public static IReadOnlyDictionary<string, string> Setup { get; } = ReadSetup();

        public static string RequireSetup(string key)
        {
            if (Setup.TryGetValue(key, out string? value))
            {
                return value;
            }

            throw new InvalidOperationException($"'{key}' is missing from the harness setup (PFA_NETFX_SETUP). Run these tests through ./build.ps1 Test, which starts the local Azure DevOps and its sshd first.");
        }

        public static string NewTemporaryFolder()
        {
            string folder = Path.Combine(Path.GetTempPath(), "pfa-netfx-" + Guid.NewGuid().ToString("N").Substring(0, 10));
            Directory.CreateDirectory(folder);
            return folder;
        }

        public static string Run(string file, string arguments, out int exitCode)
        {
            var psi = new ProcessStartInfo(file, arguments) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            using (Process process = Process.Start(psi)!)
            {
                string stderr = string.Empty;
                var errorReader = new System.Threading.Thread(() => stderr = process.StandardError.ReadToEnd());
                errorReader.Start();
                string stdout = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                errorReader.Join();
                exitCode = process.ExitCode;
                return stdout + stderr;
            }
        }

        private static IReadOnlyDictionary<string, string> ReadSetup()
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            string? path = Environment.GetEnvironmentVariable("PFA_NETFX_SETUP");
            if (!string.IsNullOrEmpty(path) && File.Exists(path))
            {
                foreach (string line in File.ReadAllLines(path!))
                {
                    int equals = line.IndexOf('=');
                    if (equals > 0)
                    {
                        values[line.Substring(0, equals)] = line.Substring(equals + 1);
                    }
                }
            }

            return values;
        }

        private static string FindModuleRoot()
        {
            string? configured = Environment.GetEnvironmentVariable("PFA_NETFX_MODULE_ROOT");
            if (!string.IsNullOrEmpty(configured))
            {
                return Path.GetFullPath(configured!);
            }

            for (DirectoryInfo? d = new DirectoryInfo(TestFolder); d != null; d = d.Parent)
            {
                string manifest = Path.Combine(d.FullName, "PfaAzureDevOps.psd1");
                if (File.Exists(manifest) && File.Exists(Path.Combine(d.FullName, "build.ps1")))
                {
                    Match version = Regex.Match(File.ReadAllText(manifest), @"ModuleVersion\s*=\s*'([^']+)'");
                    string root = Path.Combine(d.FullName, "out", "PfaAzureDevOps", version.Groups[1].Value);
                    if (!File.Exists(Path.Combine(root, "PfaAzureDevOps.dll")))
                    {
                        throw new InvalidOperationException($"The packaged module is not at {root}: run ./build.ps1 Package first.");
                    }

                    return root;
                }
            }

            throw new InvalidOperationException("The repository (PfaAzureDevOps.psd1) was not found above " + TestFolder);
        }
    }
}
