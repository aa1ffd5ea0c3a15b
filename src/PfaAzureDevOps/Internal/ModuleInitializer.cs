using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;

namespace PfaAzureDevOps.Internal
{
    /// <summary>
    /// Runs at Import-Module. It only arranges where the engine comes from; it loads nothing heavy.
    /// PowerShell 7: the engine and its dependencies live in a private AssemblyLoadContext
    /// (dependencies/core, net8.0 build). Windows PowerShell 5.1: they resolve by path from
    /// dependencies/netfx (net472 build) through <see cref="NetFrameworkDependencyResolver"/>.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer
    {
        internal const string EngineAssemblyName = "PfaAzureDevOps.Core";
        private static readonly object Gate = new object();
        private static bool _initialized;

        public void OnImport()
        {
            lock (Gate)
            {
                if (_initialized)
                {
                    return;
                }

                string moduleDirectory = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)
                    ?? throw new InvalidOperationException("The PfaAzureDevOps module folder could not be found.");
                string dependencies = Path.Combine(moduleDirectory, "dependencies");

                if (IsNetFramework)
                {
                    NetFrameworkDependencyResolver.Install(moduleDirectory);
                }
                else
                {
                    string loadContextPath = Path.Combine(dependencies, "PfaAzureDevOps.LoadContext.dll");
                    Assembly loadContext = Assembly.LoadFrom(loadContextPath);
                    Type type = loadContext.GetType("PfaAzureDevOps.LoadContext.EngineLoadContext", throwOnError: true)!;
                    type.GetMethod("Initialize", BindingFlags.Public | BindingFlags.Static)!
                        .Invoke(null, new object[] { Path.Combine(dependencies, "core"), EngineAssemblyName });
                }

                _initialized = true;
            }
        }

        internal static bool IsNetFramework =>
            System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);
    }
}
