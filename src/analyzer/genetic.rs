//! The genetic search: a population of points evolving over generations.
//!
//! A point is a genome of one gene per axis, the index of its value. The
//! operators, all drawn from one ChaCha8 generator seeded by `--seed`, so a
//! seed gives the same generations:
//!
//! - **Initial population**: `population` points drawn uniformly, distinct
//!   while the space has enough of them.
//! - **Fitness**: the objective, larger better (a `min:` objective is
//!   negated); a failed run, a missing value or a run that misses a
//!   `--require` constraint is the least fit.
//! - **Elitism**: the best tenth of the population (at least one point)
//!   goes on unchanged.
//! - **Selection**: tournaments of two, each parent the fitter of two
//!   points drawn uniformly (a tie goes to the earlier one).
//! - **Crossover**: uniform, each gene from either parent with even odds.
//! - **Mutation**: each gene, with probability 1 / (number of axes), takes
//!   a value of its axis drawn uniformly.
//!
//! A point already run is never run again: its earlier result stands.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A point as one value index per axis.
pub type Genome = Vec<usize>;

/// The state of a genetic search between generations.
#[derive(Debug, Clone)]
pub(crate) struct Genetic {
    rng: ChaCha8Rng,
    /// Number of values of each axis.
    dims: Vec<usize>,
    size: usize,
    /// The generation being evaluated, from 1.
    pub generation: u32,
    pub generations: u32,
    pub population: Vec<Genome>,
}

impl Genetic {
    /// The first generation.
    pub(crate) fn new(dims: Vec<usize>, size: usize, generations: u32, seed: u64) -> Genetic {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let space: usize = dims.iter().copied().fold(1usize, usize::saturating_mul);
        let mut population: Vec<Genome> = Vec::with_capacity(size);
        let mut tries = 0usize;
        while population.len() < size {
            let genome: Genome = dims.iter().map(|&n| rng.random_range(0..n)).collect();
            tries += 1;
            let distinct_left = population.len() < space && tries < 100 * size.max(1);
            if distinct_left && population.contains(&genome) {
                continue;
            }
            population.push(genome);
        }
        Genetic {
            rng,
            dims,
            size,
            generation: 1,
            generations,
            population,
        }
    }

    /// The next generation from the fitness of the current one (`None`:
    /// least fit), in population order; `None` after the last generation.
    pub(crate) fn breed(&mut self, fitness: &[Option<f64>]) -> Option<&[Genome]> {
        if self.generation >= self.generations {
            return None;
        }
        let better = |a: usize, b: usize| -> usize {
            match (fitness[a], fitness[b]) {
                (Some(x), Some(y)) if y > x => b,
                (None, Some(_)) => b,
                (Some(x), Some(y)) if x == y && b < a => b,
                (None, None) if b < a => b,
                _ => a,
            }
        };
        let mut order: Vec<usize> = (0..self.population.len()).collect();
        order.sort_by(|&a, &b| {
            let key = |i: usize| fitness[i].map_or(f64::NEG_INFINITY, |x| x);
            key(b).total_cmp(&key(a)).then(a.cmp(&b))
        });
        let elites = (self.size / 10).max(1).min(self.population.len());
        let mut next: Vec<Genome> = order[..elites]
            .iter()
            .map(|&i| self.population[i].clone())
            .collect();
        let n = self.population.len();
        let mutation = 1.0 / self.dims.len().max(1) as f64;
        while next.len() < self.size {
            let pick = |rng: &mut ChaCha8Rng| {
                let (a, b) = (rng.random_range(0..n), rng.random_range(0..n));
                better(a.min(b), a.max(b))
            };
            let (a, b) = (pick(&mut self.rng), pick(&mut self.rng));
            let mut child: Genome = self.population[a]
                .iter()
                .zip(&self.population[b])
                .map(|(&x, &y)| if self.rng.random_bool(0.5) { x } else { y })
                .collect();
            for (gene, &dim) in child.iter_mut().zip(&self.dims) {
                if self.rng.random_bool(mutation) {
                    *gene = self.rng.random_range(0..dim);
                }
            }
            next.push(child);
        }
        self.population = next;
        self.generation += 1;
        Some(&self.population)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_gives_the_same_generations_and_elites_survive() {
        let run = |seed| {
            let mut ga = Genetic::new(vec![5, 4], 6, 3, seed);
            let mut all = vec![ga.population.clone()];
            loop {
                let fitness: Vec<Option<f64>> = ga
                    .population
                    .iter()
                    .map(|g| Some((g[0] * 10 + g[1]) as f64))
                    .collect();
                match ga.breed(&fitness) {
                    Some(next) => all.push(next.to_vec()),
                    None => break,
                }
            }
            all
        };
        let first = run(7);
        assert_eq!(first, run(7));
        assert_ne!(first, run(8));
        assert_eq!(first.len(), 3);
        // The first generation is distinct; the best point goes on.
        let g1 = &first[0];
        assert!(g1.iter().enumerate().all(|(i, g)| !g1[..i].contains(g)));
        let best = g1.iter().max_by_key(|g| g[0] * 10 + g[1]).unwrap();
        assert_eq!(&first[1][0], best);
    }
}
