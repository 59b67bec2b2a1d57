/* cmd_render.c: placeholder until the render command lands; replaced by its owner. */
#include "cli.h"

int bm_cmd_render(bm_cli *cli, int argc, char **argv)
{
    (void)cli;
    (void)argc;
    (void)argv;
    return bm_cli_fail("render", "this command is not available in this build yet");
}
